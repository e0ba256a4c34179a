import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseEnvelopeEntry, serializeEnvelopeEntry, transitKeyName } from '../../../src/core/formats/envelope';
import { findTransitValues, parseTransitLine, serializeTransitLine } from '../../../src/core/formats/transit-jsonl';
import { createLocalTransit } from '../../fixtures/local-transit';
import { generateEnvelopeLog, generateTransitJsonl } from '../../fixtures/generate';
import { useTmpDir } from '../../support/tmp-dir';

const env = { version: 1, alg: 'AES-256-GCM', key_id: 'kek-v1', dek_wrapped: 'AA==', nonce: 'AA==', ciphertext: 'AA==' };

describe('envelope reader/writer', () => {
  const dir = useTmpDir('envelope');

  it('round-trips generated lines byte for byte and keeps key ids', async () => {
    const lt = createLocalTransit(9);
    const fx = await generateEnvelopeLog(dir(), { entries: 25, transit: { name: 'logs', wrapDek: async (d) => lt.encrypt(d) } });
    const lines = readFileSync(fx.path, 'utf8').split('\n').filter(Boolean);
    lines.forEach((line, i) => {
      const r = parseEnvelopeEntry(line, i, i);
      assert.equal(r.parseError, null);
      assert.equal(serializeEnvelopeEntry(r.raw!), line);
      const f = r.fields[0]!;
      assert.equal(f.kind, 'envelope');
      if (f.kind === 'envelope') {
        assert.equal(f.data.key_id, fx.entries[i]!.key);
        if (transitKeyName(f.data.key_id) === 'logs') assert.match(f.data.dek_wrapped, /^vault:v1:/);
      }
    });
    assert.ok(fx.entries.some((e) => e.key === 'vault-transit:logs'));
  });

  it('keeps unknown fields and their order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string().filter((k) => !/^\d+$/.test(k) && k !== '__proto__'), fc.jsonValue()), (extra) => {
        const obj = { id: 'x', request_data: env, response_data: null, ...extra };
        const line = JSON.stringify(obj);
        const r = parseEnvelopeEntry(line, 0, 0);
        assert.equal(serializeEnvelopeEntry(r.raw!), line);
      }),
    );
  });

  it('does not judge version/alg (the crypto does) but rejects a malformed value', () => {
    assert.equal(parseEnvelopeEntry(JSON.stringify({ id: 'x', request_data: { ...env, version: 2, alg: 'ROT13' } }), 0, 0).parseError, null);
    const bad = parseEnvelopeEntry(JSON.stringify({ id: 'x', request_data: { ...env, version: '1', dek_wrapped: null } }), 0, 0);
    assert.match(bad.parseError!, /version missing or not a number/);
    assert.match(parseEnvelopeEntry('{"id":"x"}', 0, 0).parseError!, /request_data is missing/);
    assert.match(parseEnvelopeEntry(JSON.stringify({ request_data: env }), 0, 0).parseError!, /id is missing/);
  });
});

describe('transit-jsonl reader/writer', () => {
  const dir = useTmpDir('transit');

  it('finds every vault:vN value with its path and round-trips', async () => {
    const lt = createLocalTransit(4, 3);
    const fx = await generateTransitJsonl(dir(), { entries: 18, encrypt: (p, i) => lt.encrypt(p, 1 + (i % 3)) });
    readFileSync(fx.path, 'utf8').split('\n').filter(Boolean).forEach((line, i) => {
      const r = parseTransitLine(line, i, i);
      assert.equal(r.parseError, null);
      assert.equal(r.id, fx.entries[i]!.id);
      assert.match(r.timestamp!, /^2025-01-15T/);
      assert.equal(serializeTransitLine(r.raw!), line);
      const got: Record<string, string> = {};
      for (const f of r.fields) {
        assert.equal(f.kind, 'transit');
        if (f.kind === 'transit') {
          assert.equal(f.version, 1 + (i % 3));
          got[f.path.join('.')] = lt.decrypt(f.ciphertext).toString('utf8');
        }
      }
      assert.deepEqual(got, fx.entries[i]!.fields);
    });
  });

  it('matches only whole vault:v<N>:<base64> strings, in document order', () => {
    const doc = { a: 'vault:v1:QUJD', b: ['x', 'vault:v22:QQ==', { c: 'vault:v3:' }], d: 'prefix vault:v1:QUJD', e: 'vault:vX:QUJD', f: { g: 'vault:v4:QU JD' }, h: { i: 'vault:v5:AAAA' } };
    assert.deepEqual(
      findTransitValues(doc).map((f) => (f.kind === 'transit' ? [f.path.join('.'), f.version] : null)),
      [['a', 1], ['b.1', 22], ['h.i', 5]],
    );
  });

  it('reads numeric ids and epoch timestamps', () => {
    const r = parseTransitLine('{"id":17,"ts":1736933400}', 0, 0);
    assert.equal(r.id, '17');
    assert.equal(r.timestamp, '2025-01-15T09:30:00.000Z');
    assert.equal(parseTransitLine('{"timestamp":1736933400123}', 0, 0).timestamp, '2025-01-15T09:30:00.123Z');
    assert.match(parseTransitLine('[1,2]', 0, 0).parseError!, /not a JSON object \(array\)/);
  });
});
