import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealEnvelope } from '../../src/core/crypto';
import { serializeEnvelopeEntry } from '../../src/core/formats';
import { CLEAN_SAMPLES, POSITIVE_SAMPLES, visiblePart } from '../fixtures/pii-corpus';
import { jsonLines, runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

/**
 * The PII corpus end to end: every sample sealed as the request of an envelope entry, decrypted by
 * the real `enclog decrypt --json` (masked by default). JSON samples are the request itself (keys,
 * numbers, arrays, nested strings), text samples its `content`. No secret may stay visible in any
 * decoding of the printed request, and clean samples must come out exactly as they went in.
 */
describe('enclog decrypt: the PII corpus through the CLI', function () {
  this.timeout(120_000);
  const dir = useTmpDir('cli-pii-corpus');

  it('masks every corpus secret and leaves every clean sample as written', async () => {
    const kek = randomBytes(32);
    const requests: unknown[] = [
      ...POSITIVE_SAMPLES.map((s) => (s.kind === 'json' ? JSON.parse(s.input) : { content: s.input })),
      ...CLEAN_SAMPLES.map((s) => (s.sampleKind === 'json' ? JSON.parse(s.input) : { content: s.input })),
    ];
    const lines = requests.map((request, i) =>
      serializeEnvelopeEntry({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        agent_id: 'corpus',
        interaction_type: 'ModelCall',
        timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
        request_data: sealEnvelope(Buffer.from(JSON.stringify(request)), kek, 'kek-corpus'),
        response_data: null,
        error: null,
      }),
    );
    const path = join(dir(), 'corpus.envelope.log');
    writeFileSync(path, lines.join('\n') + '\n');
    const run = await runCli(['decrypt', path, '--json', '--key', 'env:CORPUS_KEK'], { env: { CORPUS_KEK: `kek-corpus:${kek.toString('base64')}` } });
    assert.equal(run.code, 0, run.stderr);
    const rows = jsonLines(run.stdout);
    assert.equal(rows.length, requests.length);
    const leaks = POSITIVE_SAMPLES.flatMap((s, i) => {
      const printed = JSON.stringify(rows[i]!.request);
      const visible = visiblePart(s.secret, printed);
      return visible === null ? [] : [`${s.id}: '${visible}' in ${printed.slice(0, 120)}`];
    });
    assert.deepEqual(leaks, []);
    const changed = CLEAN_SAMPLES.flatMap((s, k) => {
      const i = POSITIVE_SAMPLES.length + k;
      return JSON.stringify(rows[i]!.request) === JSON.stringify(requests[i]) ? [] : [`${s.id}: ${JSON.stringify(rows[i]!.request).slice(0, 120)}`];
    });
    assert.deepEqual(changed, []);
  });
});
