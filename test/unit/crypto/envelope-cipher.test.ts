import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AuthError, CorruptValueError, openEnvelopeData, sealEnvelope, unwrapDek, UnsupportedError, wrapDek } from '../../../src/core/crypto';

function gcm(key: Buffer, nonce: Buffer, pt: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

describe('Envelope cipher (Everruns convention)', () => {
  const kek = randomBytes(32);

  it('opens a value built independently with node:crypto', () => {
    const dek = randomBytes(32);
    const kn = randomBytes(12);
    const dn = randomBytes(12);
    const value = {
      version: 1, alg: 'AES-256-GCM', key_id: 'kek-v1',
      dek_wrapped: Buffer.concat([kn, gcm(kek, kn, dek)]).toString('base64'),
      nonce: dn.toString('base64'),
      ciphertext: gcm(dek, dn, Buffer.from('{"prompt":"p"}')).toString('base64'),
    };
    assert.equal(Buffer.from(value.dek_wrapped, 'base64').length, 60);
    const opened = unwrapDek(kek, value.dek_wrapped);
    assert.deepEqual(opened, dek);
    assert.equal(openEnvelopeData(value, opened).toString(), '{"prompt":"p"}');
  });

  it('seals values that node:crypto opens', () => {
    const v = sealEnvelope(Buffer.from('hello'), kek, 'kek-v2');
    assert.equal(v.key_id, 'kek-v2');
    const raw = Buffer.from(v.dek_wrapped, 'base64');
    const d1 = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
    d1.setAuthTag(raw.subarray(44));
    const dek = Buffer.concat([d1.update(raw.subarray(12, 44)), d1.final()]);
    const ct = Buffer.from(v.ciphertext, 'base64');
    const d2 = createDecipheriv('aes-256-gcm', dek, Buffer.from(v.nonce, 'base64'));
    d2.setAuthTag(ct.subarray(ct.length - 16));
    assert.equal(Buffer.concat([d2.update(ct.subarray(0, ct.length - 16)), d2.final()]).toString(), 'hello');
  });

  it('distinguishes wrong KEK, tampered data, unsupported headers and corrupt values', () => {
    const v = sealEnvelope(Buffer.from('hello'), kek, 'kek-v1');
    assert.throws(() => unwrapDek(randomBytes(32), v.dek_wrapped), AuthError);
    const dek = unwrapDek(kek, v.dek_wrapped);
    const ct = Buffer.from(v.ciphertext, 'base64');
    ct[0] ^= 1;
    assert.throws(() => openEnvelopeData({ ...v, ciphertext: ct.toString('base64') }, dek), AuthError);
    assert.throws(() => openEnvelopeData({ ...v, version: 2 }, dek), UnsupportedError);
    assert.throws(() => openEnvelopeData({ ...v, alg: 'AES-128-CBC' }, dek), UnsupportedError);
    assert.throws(() => unwrapDek(kek, v.dek_wrapped.slice(0, 40)), CorruptValueError);
  });

  it('rewrapping a DEK leaves the data ciphertext byte-identical', () => {
    const v = sealEnvelope(Buffer.from('data'), kek, 'kek-v1');
    const kek2 = randomBytes(32);
    const rewrapped = { ...v, key_id: 'kek-v2', dek_wrapped: wrapDek(kek2, unwrapDek(kek, v.dek_wrapped)) };
    assert.equal(rewrapped.ciphertext, v.ciphertext);
    assert.equal(openEnvelopeData(rewrapped, unwrapDek(kek2, rewrapped.dek_wrapped)).toString(), 'data');
  });
});
