import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { aesGcmDecrypt } from '../../../src/core/crypto/aes-gcm';
import { GcmBatchKey } from '../../../src/core/crypto/gcm-batch';

const reference = (key: Buffer, nonce: Buffer, pt: Buffer): Buffer => {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
};

describe('GcmBatchKey (the batch AES-256-GCM of a rewrap)', () => {
  it('seals byte-identically to OpenSSL GCM for every length up to maxBytes, and opens what OpenSSL sealed', () => {
    for (let round = 0; round < 4; round++) {
      const key = randomBytes(32);
      const g = new GcmBatchKey(key, 50);
      const lens = Array.from({ length: 51 }, (_, i) => i);
      const nonces = lens.map(() => randomBytes(12));
      const pts = lens.map((n) => randomBytes(n));
      const sealed = g.sealMany(nonces, pts);
      sealed.forEach((s, i) => assert.deepEqual(s, reference(key, nonces[i], pts[i]), `length ${i}`));
      const opened = g.openMany(nonces, pts.map((p, i) => reference(key, nonces[i], p)));
      opened.forEach((o, i) => assert.deepEqual(o, pts[i]));
      sealed.forEach((s, i) => assert.deepEqual(aesGcmDecrypt(key, nonces[i], s), pts[i]));
      g.wipe();
    }
  });

  it('refuses every single-bit change of ciphertext or tag, a wrong key and a wrong nonce', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const dek = randomBytes(32);
    const good = reference(key, nonce, dek);
    const g = new GcmBatchKey(key);
    const flipped: Buffer[] = [];
    for (let bit = 0; bit < good.length * 8; bit++) {
      const b = Buffer.from(good);
      b[bit >> 3] ^= 1 << (bit & 7);
      flipped.push(b);
    }
    assert.ok(g.openMany(flipped.map(() => nonce), flipped).every((x) => x === null));
    assert.deepEqual(g.openMany([randomBytes(12)], [good]), [null]);
    assert.deepEqual(new GcmBatchKey(randomBytes(32)).openMany([nonce], [good]), [null]);
    assert.deepEqual(g.openMany([nonce, nonce], [good.subarray(0, 15), Buffer.concat([good, Buffer.alloc(32)])]), [null, null]); // too short, longer than maxBytes
    assert.deepEqual(g.openMany([nonce], [good]), [dek]);
    assert.throws(() => g.sealMany([randomBytes(8)], [dek]), /nonce/);
    assert.throws(() => new GcmBatchKey(randomBytes(16)), /32 bytes/);
  });
});
