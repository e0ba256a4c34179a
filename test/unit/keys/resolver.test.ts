import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sealEnvelope } from '../../../src/core/crypto/envelope-cipher';
import { sealSymbiontField } from '../../../src/core/crypto/symbiont-cipher';
import { aesGcmEncrypt } from '../../../src/core/crypto/aes-gcm';
import { inlineDeriver } from '../../../src/core/crypto/argon2';
import type { EncryptedField } from '../../../src/core/model';
import { KeyResolver } from '../../../src/core/keys/resolver';
import { KeySourceError, type AuditEvent } from '../../../src/core/keys/types';
import { FakeSource, FakeTransit, spyDeriver } from './fakes';

const A = 'key-A-newest';
const B = 'key-B-older';
const C = 'key-C-oldest';

async function symbiontField(plain: string, key: string): Promise<EncryptedField> {
  const d = spyDeriver();
  return { kind: 'symbiont', path: ['request_data'], data: await sealSymbiontField(Buffer.from(plain), Buffer.from(key), d, 'Argon2') };
}

function symbiontSource(): FakeSource {
  return new FakeSource('env:S', [
    { version: 'c', kind: 'symbiont', material: Buffer.from(C) },
    { version: 'b', kind: 'symbiont', material: Buffer.from(B) },
    { version: 'a', kind: 'symbiont', material: Buffer.from(A) },
  ]);
}

const texts = (rs: Awaited<ReturnType<KeyResolver['openFields']>>): string[] => rs.map((r) => (r.ok ? r.plaintext.toString() : `!${r.reason}`));

describe('keys/resolver', () => {
  it('tries newest to oldest first, then the key that opened the previous field', async () => {
    const fields = await Promise.all(['1', '2', '3', '4', '5'].map((t) => symbiontField(t, B)));
    const deriver = spyDeriver();
    const r = new KeyResolver([symbiontSource()], { deriver, concurrency: 2 });
    const out = await r.openFields(fields);
    assert.deepEqual(texts(out), ['1', '2', '3', '4', '5']);
    assert.deepEqual(deriver.calls, [A, B, B, B, B, B]);
    assert.ok(out.every((o) => o.ok && o.key.label === 'env:S@b'));
  });

  it('works with real Argon2id (inline deriver)', async () => {
    const d = inlineDeriver();
    const seal = async (t: string, k: string): Promise<EncryptedField> => ({
      kind: 'symbiont',
      path: [],
      data: await sealSymbiontField(Buffer.from(t), Buffer.from(k), d, 'Argon2'),
    });
    const out = await new KeyResolver([symbiontSource()], { deriver: d }).openFields([await seal('old', B), await seal('new', A)]);
    assert.deepEqual(texts(out), ['old', 'new']);
    assert.ok(out[0].ok && out[0].key.label === 'env:S@b');
  });

  it('follows a key change in file order (neighbour first, then newest to oldest)', async () => {
    const fields = [await symbiontField('1', C), await symbiontField('2', C), await symbiontField('3', A), await symbiontField('4', A)];
    const deriver = spyDeriver();
    const r = new KeyResolver([symbiontSource()], { deriver, concurrency: 1 });
    assert.deepEqual(texts(await r.openFields(fields)), ['1', '2', '3', '4']);
    assert.deepEqual(deriver.calls, [A, B, C, C, C, A, A]);
  });

  it('remembers which key opened each field; clearCache forgets, zero-fills and reloads', async () => {
    const fields = [await symbiontField('1', C), await symbiontField('2', A)];
    const deriver = spyDeriver();
    const source = symbiontSource();
    const audit: AuditEvent[] = [];
    const r = new KeyResolver([source], { deriver, concurrency: 1, audit: (e) => audit.push(e) });
    await r.openFields(fields);
    deriver.calls.length = 0;
    assert.deepEqual(texts(await r.openFields([fields[1], fields[0]])), ['2', '1']);
    assert.deepEqual(deriver.calls, [A, C], 'each field opened by its remembered key at the first try');
    assert.equal(source.loads, 1, 'sources are loaded once');

    const loaded = source.lastLoaded;
    r.clearCache();
    await new Promise((res) => setImmediate(res));
    assert.ok(loaded.every((k) => k.material?.every((b) => b === 0)), 'material zero-filled');
    deriver.calls.length = 0;
    assert.deepEqual(texts(await r.openFields([fields[0]])), ['1']);
    assert.equal(source.loads, 2);
    assert.deepEqual(deriver.calls, [A, B, C], 'nothing remembered after clearCache');
    assert.deepEqual(
      audit.map((e) => `${e.action} ${e.source ?? ''} ${e.version ?? ''}`.trim()),
      ['key-access env:S c', 'key-access env:S a', 'cache-cleared', 'key-access env:S c'],
    );
    assert.ok(!JSON.stringify(audit).includes(A) && !JSON.stringify(audit).includes(C), 'never material in audit');
  });

  it('gives a reason per field', async () => {
    const kek1 = randomBytes(32);
    const other = randomBytes(32);
    const deriver = spyDeriver();
    const ok = sealEnvelope(Buffer.from('env-ok'), kek1, 'kek-v1');
    const tampered = { ...ok, ciphertext: flipLastByte(ok.ciphertext) };
    const wrongKek = sealEnvelope(Buffer.from('x'), other, 'kek-v1');
    const unknownId = sealEnvelope(Buffer.from('x'), kek1, 'kek-v9');
    const badVersion = { ...ok, version: 2 };
    const badAlg = { ...ok, alg: 'ChaCha20' };
    const corruptWrap = { ...ok, dek_wrapped: 'not base64!' };
    const sym = await symbiontField('s', 'unknown-key');
    const symData = (sym as Extract<EncryptedField, { kind: 'symbiont' }>).data;
    const symCorrupt: EncryptedField = { kind: 'symbiont', path: [], data: { ...symData, nonce: 'AAAA' } };
    const fields: EncryptedField[] = [ok, tampered, wrongKek, unknownId, badVersion, badAlg, corruptWrap].map((data) => ({ kind: 'envelope', path: [], data }));
    fields.push(sym, symCorrupt);
    const sources = [
      new FakeSource('env:SECRETS_ENCRYPTION_KEY', [{ version: 'kek-v1', kind: 'kek', keyId: 'kek-v1', material: kek1 }]),
      symbiontSource(),
    ];
    const out = await new KeyResolver(sources, { deriver }).openFields(fields);
    assert.deepEqual(texts(out), ['env-ok', '!tampered', '!wrong-key', '!no-key', '!unsupported', '!unsupported', '!corrupt', '!wrong-key', '!corrupt']);
    assert.match((out[3] as { message: string }).message, /key_id 'kek-v9'/);
  });

  it('reports duplicate KEK ids and still opens with whichever copy is right', async () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const sources = [
      new FakeSource('env:X', [{ version: 'kek-v1', kind: 'kek', keyId: 'kek-v1', material: k1 }]),
      new FakeSource('vault-kv:secret/app', [{ version: 'v1', kind: 'kek', keyId: 'kek-v1', material: k2 }]),
    ];
    const r = new KeyResolver(sources, { deriver: spyDeriver() });
    const { errors } = await r.versions();
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /duplicate KEK id 'kek-v1' also in vault-kv:secret\/app@v1/);
    const out = await r.openFields([{ kind: 'envelope', path: [], data: sealEnvelope(Buffer.from('two'), k2, 'kek-v1') }]);
    assert.ok(out[0].ok && out[0].key.label === 'vault-kv:secret/app@v1');
  });

  it('one failing source does not stop the others; its error is listed, audited and explained', async () => {
    const audit: AuditEvent[] = [];
    const failing = new FakeSource('keychain:symbiont', [], new KeySourceError('keychain:symbiont', 'the keychain collection is locked', 'locked'));
    const r = new KeyResolver([failing, symbiontSource()], { deriver: spyDeriver(), audit: (e) => audit.push(e) });
    const v = await r.versions();
    assert.equal(v.keys.length, 3);
    assert.deepEqual(v.errors.map((e) => e.code), ['locked']);
    const out = await r.openFields([await symbiontField('ok', B), await symbiontField('no', 'zzz')]);
    assert.ok(out[0].ok);
    assert.ok(!out[1].ok && out[1].reason === 'wrong-key' && /locked/.test(out[1].message));
    assert.ok(audit.some((e) => e.action === 'key-source-error' && e.source === 'keychain:symbiont'));

    const onlyFailing = new KeyResolver([failing], { deriver: spyDeriver() });
    const [f] = await onlyFailing.openFields([await symbiontField('x', A)]);
    assert.ok(!f.ok && f.reason === 'source-error' && /locked/.test(f.message));
  });

  it('opens transit fields and transit-wrapped envelope DEKs in one batched call each', async () => {
    const table = new Map<string, Buffer>();
    const transitFields: EncryptedField[] = [];
    for (let n = 0; n < 150; n++) {
      const c = `vault:v1:${randomBytes(20).toString('base64')}`;
      table.set(c, Buffer.from(`t${n}`));
      transitFields.push({ kind: 'transit', path: [], ciphertext: c, version: 1 });
    }
    const dek = randomBytes(32);
    const wrapped = 'vault:v2:wrapped-dek';
    table.set(wrapped, dek);
    const { nonce, sealed } = aesGcmEncrypt(dek, Buffer.from('via transit'));
    const envelope: EncryptedField = {
      kind: 'envelope',
      path: [],
      data: { version: 1, alg: 'AES-256-GCM', key_id: 'vault-transit:logs', dek_wrapped: wrapped, nonce: nonce.toString('base64'), ciphertext: sealed.toString('base64') },
    };
    const engine = new FakeTransit('logs', table);
    const source = new FakeSource('vault-transit:transit/logs', [
      { version: 'v1', kind: 'transit', keyId: 'vault-transit:logs', transit: engine },
      { version: 'v2', kind: 'transit', keyId: 'vault-transit:logs', transit: engine },
    ]);
    const bad: EncryptedField = { kind: 'transit', path: [], ciphertext: 'vault:v1:forged', version: 1 };
    const out = await new KeyResolver([source], { deriver: spyDeriver() }).openFields([...transitFields, envelope, bad]);
    assert.equal(engine.calls, 2, 'one round trip for the transit fields, one for the wrapped DEKs');
    assert.deepEqual(texts(out).slice(0, 3), ['t0', 't1', 't2']);
    assert.equal(texts(out)[150], 'via transit');
    assert.ok(out[150].ok && out[150].key.label === 'vault-transit:transit/logs@v2');
    assert.ok(!out[151].ok && out[151].reason === 'tampered');
  });

  it('no transit key configured -> no-key; cancelled signal -> cancelled', async () => {
    const r = new KeyResolver([symbiontSource()], { deriver: spyDeriver() });
    const [t] = await r.openFields([{ kind: 'transit', path: [], ciphertext: 'vault:v1:x', version: 1 }]);
    assert.ok(!t.ok && t.reason === 'no-key');
    const ac = new AbortController();
    ac.abort();
    const out = await r.openFields([await symbiontField('x', A)], ac.signal);
    assert.ok(!out[0].ok && out[0].reason === 'cancelled');
  });

  it('cancellation mid-way leaves unfinished fields cancelled', async () => {
    const fields = await Promise.all(Array.from({ length: 20 }, (_, n) => symbiontField(String(n), C)));
    const ac = new AbortController();
    const deriver = spyDeriver();
    const orig = deriver.derive.bind(deriver);
    deriver.derive = async (...args) => {
      if (deriver.calls.length === 6) ac.abort();
      return orig(...args);
    };
    const out = await new KeyResolver([symbiontSource()], { deriver, concurrency: 2 }).openFields(fields, ac.signal);
    assert.ok(out[0].ok);
    assert.ok(out.slice(5).every((o) => !o.ok && o.reason === 'cancelled'));
  });
});

function flipLastByte(b64: string): string {
  const buf = Buffer.from(b64, 'base64');
  buf[buf.length - 1] ^= 1;
  return buf.toString('base64');
}
