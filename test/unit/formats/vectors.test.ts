/**
 * Byte-exact vectors made with node:crypto and @node-rs/argon2 directly (never through
 * src/core/crypto): our reader + the crypto module must open them, and our writer's output must
 * open with them.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Algorithm, hashRawSync, Version } from '@node-rs/argon2';
import { openEnvelopeData, openSymbiontField, unwrapDek, inlineDeriver } from '../../../src/core/crypto';
import { LogFile } from '../../../src/core/formats/log-file';
import { parseEnvelopeEntry, serializeEnvelopeEntry } from '../../../src/core/formats/envelope';
import { parseSymbiontEntry, serializeSymbiontEntry } from '../../../src/core/formats/symbiont';
import type { EncryptedField, LogRecord } from '../../../src/core/model';
import { generateEnvelopeLog, generateSymbiontLog } from '../../fixtures/generate';
import { useTmpDir } from '../../support/tmp-dir';

const KEY = 'c3ltYmlvbnQtdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=';
const SALT = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const NONCE = Buffer.from(Array.from({ length: 12 }, (_, i) => 100 + i));
const PLAINTEXT = '{"prompt":"Call [REDACTED:PHONE] about order 42","tool_name":null,"tool_arguments":null,"parameters":{"temperature":0.2}}';
const PINNED = {
  Argon2: '18SmUUlai8eNxu1etYaxrIhs9XVQQhherjcniDoGJpBaxmj+5oy3yJX7gcwQUyW9h3KgeT5xLKkPd0XO/OWAM6cyi2trY0tibGZ8b/YgSyHA0INLd9h8x48wUDNrK/skvEiT5ldSRxg1OOGRy9aepvc+uk6KUsHV4QoIcDKzKTu5gFs6Wnli44A=',
  'Argon2id-m65536-t3-p1': 'o3Zm9wWS+lGyvc78zYrKO3Foa7Co6J3jwG5KEEc1JGS06BfCjbtHGTrORisw7+kr3lvALbR9WkRd4q86Whxe1sElUuXTcXYPOdHRa+1XvdvnM0WrWUbF6AShxnC4R2i3aZn5YaQX1C3dv2gNIXRxJgxNaXn0UkZAkRDCNgchoaqwVe3/LtEfXrQ=',
};
const KEK = Buffer.alloc(32, 7);
const DEK = Buffer.alloc(32, 9);
const PINNED_DEK_WRAPPED = 'AQEBAQEBAQEBAQEBf+iAvpm25QfY3dUoeT55OKHyHf0RnjIaUThKa2+9P7Kp5rqCH+bObYcVp3OI0Etl';
const PINNED_ENVELOPE_CT = 'gTaWBjEv4DDN2Tlzt/cWD2djYCrZ1wOGROUsubDGuIdJ5OZFp6qrqii5rfKAzutLBUbPWHWaPOeYgdxSQLaVl5QLMgEwLNg3y4l0QPaowoSlPGhrWSBJtulMPJ//1OgjUIRxUVeA9m5oP+c55mfBT+V3vvNa8w+wEnFbEAtxwlDZ8O6Duo8Poqk=';

function argon2(password: string, salt: Buffer, kdf: string): Buffer {
  const [m, t] = kdf === 'Argon2id-m65536-t3-p1' ? [65536, 3] : [19456, 2];
  return hashRawSync(Buffer.from(password, 'utf8'), { algorithm: Algorithm.Argon2id, version: Version.V0x13, memoryCost: m, timeCost: t, parallelism: 1, outputLen: 32, salt });
}
function gcmSeal(key: Buffer, nonce: Buffer, pt: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}
function gcmOpen(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
}
const b64 = (s: string) => Buffer.from(s, 'base64');

/** Independent Symbiont field decryption. */
function openSymbiontIndependently(f: EncryptedField, key: string): string {
  assert.equal(f.kind, 'symbiont');
  if (f.kind !== 'symbiont') throw new Error('unreachable');
  return gcmOpen(argon2(key, b64(f.data.salt), f.data.kdf), b64(f.data.nonce), b64(f.data.ciphertext)).toString('utf8');
}
/** Independent envelope decryption: unwrap the DEK, then the data. */
function openEnvelopeIndependently(f: EncryptedField, kek: Buffer): string {
  if (f.kind !== 'envelope') throw new Error(`not an envelope field: ${f.kind}`);
  const w = b64(f.data.dek_wrapped);
  const dek = gcmOpen(kek, w.subarray(0, 12), w.subarray(12));
  return gcmOpen(dek, b64(f.data.nonce), b64(f.data.ciphertext)).toString('utf8');
}

async function readAll(path: string): Promise<LogRecord[]> {
  const f = await LogFile.open(path);
  try {
    return await f.readRecords(0, f.entryCount);
  } finally {
    await f.close();
  }
}

describe('independent crypto vectors', function () {
  this.timeout(60_000);
  const dir = useTmpDir('vectors');

  for (const kdf of ['Argon2', 'Argon2id-m65536-t3-p1'] as const) {
    it(`Symbiont ${kdf}: an independently sealed line parses, re-serializes byte-exact and opens`, async () => {
      const ct = gcmSeal(argon2(KEY, SALT, kdf), NONCE, Buffer.from(PLAINTEXT)).toString('base64');
      assert.equal(ct, PINNED[kdf]);
      const line =
        `{"id":"6f1c2a4e-1b7d-4c3e-9a2f-0d5e8b7c6a51","agent_id":"0e8f5b7a-3c2d-4e1f-8a9b-7c6d5e4f3a2b","interaction_type":"Completion",` +
        `"timestamp":"2025-03-01T12:00:00.123456789Z","latency_ms":0,"model_identifier":"gpt-4o",` +
        `"request_data":{"ciphertext":"${ct}","nonce":"${NONCE.toString('base64')}","salt":"${SALT.toString('base64')}","algorithm":"AES-256-GCM","kdf":"${kdf}"},` +
        `"response_data":null,"metadata":{"source":"vector"},"error":null,"token_usage":null}`;
      const r = parseSymbiontEntry(line, 0, 0);
      assert.equal(r.parseError, null);
      assert.equal(serializeSymbiontEntry(r.raw!), line);
      const f = r.fields[0]!;
      assert.ok(f.kind === 'symbiont');
      const pt = await openSymbiontField(f.data, Buffer.from(KEY, 'utf8'), inlineDeriver());
      assert.equal(pt.toString('utf8'), PLAINTEXT);
    });
  }

  it('Symbiont: our generated file (key A then B, UPDATE lines) opens independently', async () => {
    const fx = await generateSymbiontLog(dir(), { entries: 6, fileName: 'legacy.log' });
    const recs = await readAll(fx.path);
    recs.forEach((r, i) => {
      const e = fx.entries[i]!;
      const key = e.key === 'A' ? fx.keyA : fx.keyB;
      assert.equal(openSymbiontIndependently(r.fields[0]!, key), JSON.stringify(e.request));
      if (e.response !== null) assert.equal(openSymbiontIndependently(r.fields[1]!, key), JSON.stringify(e.response));
      const other = e.key === 'A' ? fx.keyB : fx.keyA;
      assert.throws(() => openSymbiontIndependently(r.fields[0]!, other), /Unsupported state or unable to authenticate data/);
    });
  });

  it('Symbiont: the current kdf label is honoured by our writer', async () => {
    const fx = await generateSymbiontLog(dir(), { entries: 1, kdf: 'Argon2id-m65536-t3-p1', updates: false, fileName: 'current.log' });
    const [r] = await readAll(fx.path);
    assert.ok(r!.fields[0]!.kind === 'symbiont' && r!.fields[0]!.data.kdf === 'Argon2id-m65536-t3-p1');
    assert.equal(openSymbiontIndependently(r!.fields[0]!, fx.keyA), JSON.stringify(fx.entries[0]!.request));
  });

  it('envelope: an independently sealed line parses, re-serializes byte-exact and opens', () => {
    const wrapped = Buffer.concat([Buffer.alloc(12, 1), gcmSeal(KEK, Buffer.alloc(12, 1), DEK)]).toString('base64');
    const ct = gcmSeal(DEK, Buffer.alloc(12, 2), Buffer.from(PLAINTEXT)).toString('base64');
    assert.equal(wrapped, PINNED_DEK_WRAPPED);
    assert.equal(ct, PINNED_ENVELOPE_CT);
    const v = `{"version":1,"alg":"AES-256-GCM","key_id":"kek-v1","dek_wrapped":"${wrapped}","nonce":"${Buffer.alloc(12, 2).toString('base64')}","ciphertext":"${ct}"}`;
    const line = `{"id":"a","agent_id":"b","interaction_type":"ToolCall","timestamp":"2025-03-01T12:00:00Z","latency_ms":5,"model_identifier":"m","request_data":${v},"response_data":null,"metadata":{},"error":null,"token_usage":null}`;
    const r = parseEnvelopeEntry(line, 0, 0);
    assert.equal(serializeEnvelopeEntry(r.raw!), line);
    const f = r.fields[0]!;
    assert.ok(f.kind === 'envelope');
    assert.equal(openEnvelopeData(f.data, unwrapDek(KEK, f.data.dek_wrapped)).toString('utf8'), PLAINTEXT);
  });

  it('envelope: our generated file opens independently; the bad entries fail as labelled', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 12, bad: true, fileName: 'env.log' });
    const keks = new Map(fx.keks.map((k) => [k.id, k.key]));
    const recs = await readAll(fx.path);
    recs.forEach((r, i) => {
      const e = fx.entries[i]!;
      if (e.status === 'corrupt') return assert.notEqual(r.parseError, null);
      assert.equal(r.parseError, null);
      const kek = keks.get(e.key);
      if (e.status === 'no-key') return assert.equal(kek, undefined);
      if (e.status === 'tampered') return assert.throws(() => openEnvelopeIndependently(r.fields[0]!, kek!));
      assert.equal(openEnvelopeIndependently(r.fields[0]!, kek!), JSON.stringify(e.request));
      if (e.response !== null) assert.equal(openEnvelopeIndependently(r.fields[1]!, kek!), JSON.stringify(e.response));
    });
    assert.deepEqual(fx.entries.map((e) => e.status).filter((s) => s !== 'ok').sort(), ['corrupt', 'no-key', 'tampered']);
    assert.deepEqual(fx.keySpecs.map((s) => s.split(':')[0]), ['kek-v1', 'kek-v2']);
  });
});
