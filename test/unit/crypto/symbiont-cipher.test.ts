import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Algorithm, Version, hashRaw } from '@node-rs/argon2';
import { AuthError, CorruptValueError, inlineDeriver, openSymbiontField, sealSymbiontField, symbiontKdfParams } from '../../../src/core/crypto';

/** Independent Argon2id + AES-GCM path, written from the format spec, not from our module. */
async function referenceKey(secret: string, salt: Buffer, m: number, t: number): Promise<Buffer> {
  return hashRaw(Buffer.from(secret, 'utf8'), { algorithm: Algorithm.Argon2id, version: Version.V0x13, memoryCost: m, timeCost: t, parallelism: 1, outputLen: 32, salt });
}

describe('Symbiont field cipher', () => {
  const secret = 'c2VjcmV0LWtleS1zdHJpbmctbm90LWRlY29kZWQtMTIzNDU=';
  const deriver = inlineDeriver();

  it('maps kdf labels to parameters exactly as the writer does', () => {
    assert.deepEqual(symbiontKdfParams('Argon2id-m65536-t3-p1'), { memoryKiB: 65536, iterations: 3, parallelism: 1 });
    assert.deepEqual(symbiontKdfParams('Argon2'), { memoryKiB: 19456, iterations: 2, parallelism: 1 });
    assert.deepEqual(symbiontKdfParams('anything-else'), { memoryKiB: 19456, iterations: 2, parallelism: 1 });
  });

  it('opens a field sealed by an independent implementation (legacy label)', async () => {
    const salt = randomBytes(32);
    const nonce = randomBytes(12);
    const key = await referenceKey(secret, salt, 19456, 2);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    const pt = Buffer.from('{"prompt":"hello","tool_name":null,"tool_arguments":null,"parameters":{}}');
    const sealed = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
    const data = { ciphertext: sealed.toString('base64'), nonce: nonce.toString('base64'), salt: salt.toString('base64'), algorithm: 'AES-256-GCM', kdf: 'Argon2' };
    assert.equal((await openSymbiontField(data, Buffer.from(secret), deriver)).toString(), pt.toString());
  });

  it('seals a field that an independent implementation opens (current label)', async () => {
    const pt = Buffer.from('{"content":"world"}');
    const data = await sealSymbiontField(pt, Buffer.from(secret), deriver);
    assert.equal(data.kdf, 'Argon2id-m65536-t3-p1');
    assert.equal(data.algorithm, 'AES-256-GCM');
    const salt = Buffer.from(data.salt, 'base64');
    assert.equal(salt.length, 32);
    const key = await referenceKey(secret, salt, 65536, 3);
    const sealed = Buffer.from(data.ciphertext, 'base64');
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(data.nonce, 'base64'));
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    assert.equal(Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]).toString(), pt.toString());
  });

  it('tells a wrong key by the GCM tag, and does not decode the key string', async () => {
    const data = await sealSymbiontField(Buffer.from('x'), Buffer.from(secret), deriver, 'Argon2');
    await assert.rejects(openSymbiontField(data, Buffer.from('other-key'), deriver), AuthError);
    const decoded = Buffer.from(secret, 'base64');
    await assert.rejects(openSymbiontField(data, decoded, deriver), AuthError);
  });

  it('rejects malformed values before deriving', async () => {
    const good = await sealSymbiontField(Buffer.from('x'), Buffer.from(secret), deriver, 'Argon2');
    await assert.rejects(openSymbiontField({ ...good, nonce: Buffer.alloc(16).toString('base64') }, Buffer.from(secret), deriver), CorruptValueError);
    await assert.rejects(openSymbiontField({ ...good, ciphertext: 'not base64!' }, Buffer.from(secret), deriver), CorruptValueError);
    await assert.rejects(openSymbiontField({ ...good, salt: '' }, Buffer.from(secret), deriver), CorruptValueError);
  });
});
