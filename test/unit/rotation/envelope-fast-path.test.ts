import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sealEnvelope, unwrapDek } from '../../../src/core/crypto/envelope-cipher';
import type { EnvelopeValue } from '../../../src/core/model';
import { PooledWrapper, replaceEnvelopeKey } from '../../../src/core/rotation/rewriters';

/** What the rewrite did before: parse, set the two members, serialize. */
function viaJson(text: string, keyId: string, w: string): string {
  const obj = JSON.parse(text) as Record<string, unknown>;
  obj.key_id = keyId;
  obj.dek_wrapped = w;
  return JSON.stringify(obj);
}

describe('rotation: envelope fast path', () => {
  it('PooledWrapper output unwraps to the DEK with the KEK, fresh nonce every time', () => {
    const kek = randomBytes(32);
    const pw = new PooledWrapper(3);
    const nonces = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const dek = randomBytes(32);
      const w = pw.wrap(kek, dek);
      assert.equal(Buffer.from(w, 'base64').length, 60);
      assert.deepEqual(unwrapDek(kek, w), dek);
      nonces.add(Buffer.from(w, 'base64').subarray(0, 12).toString('hex'));
    }
    assert.equal(nonces.size, 200);
    assert.throws(() => pw.wrap(kek, randomBytes(31)), /32 bytes/);
    assert.throws(() => unwrapDek(randomBytes(32), pw.wrap(kek, randomBytes(32))));
  });

  it('replaceEnvelopeKey is byte-identical to parse + set + serialize', () => {
    const kek = randomBytes(32);
    const base = sealEnvelope(Buffer.from('{"a":1}'), kek, 'kek-v1') as unknown as Record<string, unknown>;
    const variants: Array<Record<string, unknown>> = [
      base,
      { ...base, extra: { key_id: 'kek-v1', dek_wrapped: base.dek_wrapped } }, // nested repeat: falls back
      { dek_wrapped: base.dek_wrapped, '10': 'x', key_id: 'kek-v1', version: 1, alg: base.alg, nonce: base.nonce, ciphertext: base.ciphertext },
      { ...base, key_id: 'k"é\u2028\\v1', note: '"key_id":"kek-v1"' },
      { ...base, key_id: 'kek-v1', dek_wrapped: base.dek_wrapped, more: 'x'.repeat(50) },
    ];
    for (const v of variants) {
      const text = JSON.stringify(v);
      for (const [kid, w] of [['kek-v2', 'QUJD'], ['k"ü\\2', 'x/+=']]) {
        assert.equal(replaceEnvelopeKey(text, v as unknown as EnvelopeValue, kid, w), viaJson(text, kid, w));
      }
    }
  });
});
