import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectFileFormat, detectFormat, formatFromName } from '../../../src/core/formats/detect';
import { parseTransitLine } from '../../../src/core/formats/transit-jsonl';
import { useTmpDir } from '../../support/tmp-dir';

const sym = (ct: string) => ({ ciphertext: ct, nonce: 'AAAAAAAAAAAAAAAA', salt: 'AA==', algorithm: 'AES-256-GCM', kdf: 'Argon2' });
const env = (ct: string) => ({ version: 1, alg: 'AES-256-GCM', key_id: 'kek-v1', dek_wrapped: 'AA==', nonce: 'AA==', ciphertext: ct });
const TRANSIT = 'vault:v1:QUJDRA==';

describe('format detection: deep, long and huge lines', () => {
  const dir = useTmpDir('detect-limits');

  it('a 200 KB line nested 40,000 objects deep: transit value found, with its full path, linear time', () => {
    const depth = 40_000;
    const line = '{"a":'.repeat(depth) + JSON.stringify(TRANSIT) + '}'.repeat(depth);
    assert.ok(line.length > 200_000);
    const t0 = performance.now();
    assert.equal(detectFormat([line]).format, 'transit-jsonl');
    const rec = parseTransitLine(line, 0, 0);
    assert.equal(rec.fields.length, 1);
    assert.equal(rec.fields[0]!.path.length, depth);
    assert.ok(performance.now() - t0 < 1000, `${performance.now() - t0} ms`);
  });

  it('a 41 KB file of one line of 20,500 nested arrays is detected well under a second (was 19 s)', () => {
    const line = '{"x":' + '['.repeat(20_500) + JSON.stringify(TRANSIT) + ']'.repeat(20_500) + '}';
    assert.ok(line.length > 41_000);
    const path = join(dir(), 'deep.jsonl');
    writeFileSync(path, line + '\n');
    const t0 = performance.now();
    return detectFileFormat(path).then((d) => {
      assert.equal(d.format, 'transit-jsonl');
      assert.equal(d.sampled, 1);
      assert.ok(performance.now() - t0 < 1000);
    });
  });

  it('a first entry over 1 MiB: reads on until a line is complete', async () => {
    const big = 'A'.repeat(3 << 20);
    for (const [name, value, want] of [['s.log', sym(big), 'symbiont'], ['e.log', env(big), 'envelope']] as const) {
      const path = join(dir(), name);
      writeFileSync(path, JSON.stringify({ id: 'x', request_data: value, response_data: null }) + '\n' + JSON.stringify({ id: 'y', request_data: { ...value, ciphertext: 'AA==' } }) + '\n');
      const d = await detectFileFormat(path);
      assert.equal(d.format, want, d.reason);
    }
  });

  it('a first line longer than the read limit is judged from its beginning', async () => {
    const big = 'A'.repeat(3 << 20);
    const cases: Array<[string, string]> = [
      [JSON.stringify({ id: 'x', agent_id: 'a', request_data: sym(big) }), 'symbiont'],
      [JSON.stringify({ id: 'x', agent_id: 'a', request_data: env(big) }), 'envelope'],
      [JSON.stringify({ id: 'x', blob: TRANSIT, pad: big }), 'transit-jsonl'],
      [JSON.stringify({ id: 'x', pad: big }), 'unknown'],
      ['not json ' + big, 'unknown'],
    ];
    for (const [line, want] of cases) {
      const path = join(dir(), 'huge.log');
      writeFileSync(path, line + '\n');
      const d = await detectFileFormat(path, 1 << 20);
      assert.equal(d.format, want, d.reason);
      if (want !== 'unknown') assert.match(d.reason, /no line ends in the first \d+ bytes/);
    }
  });

  it('--format names', () => {
    assert.equal(formatFromName('transit'), 'transit-jsonl');
    assert.equal(formatFromName('symbiont'), 'symbiont');
    assert.equal(formatFromName('envelope'), 'envelope');
    assert.equal(formatFromName('toString'), null);
    assert.equal(formatFromName('Symbiont'), null);
  });
});
