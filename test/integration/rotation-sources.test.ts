import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeychainKeySource } from '../../src/core/keys/keychain-source';
import type { ListedKeyVersion } from '../../src/core/keys/types';
import { createKeyVersion, purgeKeyVersion, reencryptFiles, retireKeyVersion, StateStore, verifyFiles } from '../../src/core/rotation';
import { inlineDeriver } from '../../src/core/crypto/argon2';
import { engineRotationKeys } from '../../src/core/engine';
import { generateEnvelopeLog } from '../fixtures/generate';
import { startVaultDouble, type VaultDouble } from '../support/vault-double';

describe('rotation end to end against a real keychain and the Vault double', function () {
  this.timeout(30000);
  let dir: string;
  let store: StateStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclog-rot-int-'));
    store = new StateStore(join(dir, 'state'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const envelopes = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, Record<string, string> | null>);

  it('keychain: new account kek-v2 (keytar), re-wrap to it, retire and purge kek-v1', async () => {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('run through scripts/with-keyring.sh');
    const keytar = require('keytar') as { setPassword(s: string, a: string, p: string): Promise<void> };
    const kek = randomBytes(32);
    await keytar.setPassword('enclog-rot', 'kek-v1', `kek-v1:${kek.toString('base64')}`);
    const fx = await generateEnvelopeLog(dir, { entries: 20, fileName: 'kc.log', keks: [{ id: 'kek-v1', key: kek }] });
    const ref = 'keychain:enclog-rot';
    const keys = engineRotationKeys({ keyRefs: [ref], deriver: inlineDeriver() });
    const nv = await createKeyVersion(ref, keys);
    assert.deepEqual([nv.version, nv.kind, nv.keyId, nv.operatorValue], ['kek-v2', 'kek', 'kek-v2', undefined]);
    const listed = await new KeychainKeySource('enclog-rot', undefined).list();
    assert.deepEqual(listed.map((i) => [i.version, i.role]), [['kek-v1', 'decrypt-only'], ['kek-v2', 'primary']]);
    const keys2 = engineRotationKeys({ keyRefs: [ref], deriver: inlineDeriver() });
    const refused = await retireKeyVersion({ ref, version: 'kek-v1', files: [fx.path] }, keys2, store);
    assert.equal(refused.status, 'refused');
    const [r] = await reencryptFiles([fx.path], keys2, { to: ref });
    assert.equal(r.status, 'rotated', r.error ?? '');
    assert.ok(envelopes(fx.path).every((e) => e.request_data?.key_id === 'kek-v2'));
    assert.ok((await verifyFiles([fx.path], ref, keys2)).ok);
    const retired = await retireKeyVersion({ ref, version: 'kek-v1', files: [fx.path] }, keys2, store);
    assert.equal(retired.status, 'retired', retired.message);
    await assert.rejects(purgeKeyVersion({ ref, version: 'kek-v1', confirmed: false }, keys2, store), /irreversible/);
    const purged = await purgeKeyVersion({ ref, version: 'kek-v1', confirmed: true, files: [fx.path] }, keys2, store);
    assert.equal(purged.status, 'purged', purged.message);
    assert.deepEqual((await new KeychainKeySource('enclog-rot', undefined).list()).map((i) => i.version), ['kek-v2']);
    await keys.dispose();
    await keys2.dispose();
  });

  describe('Vault', () => {
    let vault: VaultDouble;
    let client: { write(p: string, d: object): Promise<{ data: Record<string, unknown> }>; read(p: string): Promise<{ data: Record<string, unknown> }> };
    let opts: { endpoint: string; token: string };
    before(async () => {
      vault = await startVaultDouble();
      opts = { endpoint: vault.url, token: vault.token };
      client = require('node-vault')({ endpoint: vault.url, token: vault.token });
    });
    after(() => vault.close());

    it('KV v2: new version with cas; re-wrap; retire marks custom_metadata; purge destroys the version', async () => {
      const kek = randomBytes(32);
      await client.write('secret/data/app/kek', { data: { value: `kek-v1:${kek.toString('base64')}`, note: 'kept' } });
      const fx = await generateEnvelopeLog(dir, { entries: 20, fileName: 'kv.log', keks: [{ id: 'kek-v1', key: kek }] });
      const ref = 'vault-kv:secret/app/kek';
      const keys = engineRotationKeys({ keyRefs: [ref], vault: opts, deriver: inlineDeriver() });
      const nv = await createKeyVersion(ref, keys, { vault: opts });
      assert.deepEqual([nv.version, nv.keyId], ['v2', 'kek-v2']);
      assert.ok(vault.requests.some((q) => q.method === 'POST' && q.path === '/v1/secret/data/app/kek'));
      const cur = (await client.read('secret/data/app/kek')).data.data as Record<string, string>;
      assert.equal(cur.note, 'kept', 'other fields of the secret are kept');
      const keys2 = engineRotationKeys({ keyRefs: [ref], vault: opts, deriver: inlineDeriver() });
      const [r] = await reencryptFiles([fx.path], keys2, { to: ref });
      assert.equal(r.status, 'rotated', r.error ?? '');
      assert.deepEqual(r.from, { [`${ref}@v1`]: r.fieldsRewritten });
      const ret = await retireKeyVersion({ ref, version: 'v1', files: [fx.path] }, keys2, store, { vault: opts });
      assert.equal(ret.status, 'retired', ret.message);
      const meta = (await client.read('secret/metadata/app/kek')).data;
      assert.deepEqual(meta.custom_metadata, { 'enclog-retired-versions': '1' });
      const p = await purgeKeyVersion({ ref, version: 'v1', confirmed: true }, keys2, store, { vault: opts });
      assert.equal(p.status, 'purged', p.message);
      const versions = (await client.read('secret/metadata/app/kek')).data.versions as Record<string, { destroyed: boolean }>;
      assert.equal(versions['1'].destroyed, true);
      await keys.dispose();
      await keys2.dispose();
    });

    it('transit: rotate via transit/keys/NAME/rotate, batched rewrap keeps data bytes, retire = min_decryption_version, purge = trim', async () => {
      await client.write('transit/keys/logs', {});
      const wrapDek = async (dek: Buffer) => String((await client.write('transit/encrypt/logs', { plaintext: dek.toString('base64') })).data.ciphertext);
      const fx = await generateEnvelopeLog(dir, { entries: 600, fileName: 'tr.log', transit: { name: 'logs', wrapDek } });
      const kekRefs = fx.keySpecs.map((s, i) => {
        const p = join(dir, `tr-kek${i}.key`);
        require('node:fs').writeFileSync(p, s + '\n', { mode: 0o600 });
        return `file:${p}`;
      });
      const ref = 'vault-transit:transit/logs';
      const keys = engineRotationKeys({ keyRefs: [ref, ...kekRefs], vault: opts, deriver: inlineDeriver() });
      vault.resetRequests();
      const nv = await createKeyVersion(ref, keys, { vault: opts });
      assert.equal(nv.version, 'v2');
      assert.deepEqual(vault.requests.filter((q) => q.method !== 'GET').map((q) => q.path), ['/v1/transit/keys/logs/rotate']);
      assert.ok(!vault.requests.some((q) => q.path.startsWith('/v1/sys/')), 'never the barrier-key rotate');
      const before = envelopes(fx.path);
      const keys2 = engineRotationKeys({ keyRefs: [ref, ...kekRefs], vault: opts, deriver: inlineDeriver() });
      const refused = await retireKeyVersion({ ref, version: 'v1', files: [fx.path] }, keys2, store, { vault: opts });
      assert.equal(refused.status, 'refused');
      vault.resetRequests();
      const [r] = await reencryptFiles([fx.path], keys2, { to: ref, batchSize: 600 });
      assert.equal(r.status, 'rotated', r.error ?? '');
      const rewraps = vault.requests.filter((q) => q.path === '/v1/transit/rewrap/logs').length;
      const encrypts = vault.requests.filter((q) => q.path === '/v1/transit/encrypt/logs').length;
      assert.equal(rewraps, 1, 'the transit DEKs of a batch are re-wrapped in one request');
      assert.equal(encrypts, 1, 'the KEK-wrapped DEKs move to transit in one request');
      const after = envelopes(fx.path);
      after.forEach((e, i) => {
        for (const f of ['request_data', 'response_data'] as const) {
          if (!before[i][f]) continue;
          assert.equal(e[f]!.ciphertext, before[i][f]!.ciphertext);
          assert.equal(e[f]!.nonce, before[i][f]!.nonce);
          assert.equal(e[f]!.key_id, 'vault-transit:logs');
          assert.match(e[f]!.dek_wrapped, /^vault:v2:/);
        }
      });
      const ret = await retireKeyVersion({ ref, version: 'v1', files: [fx.path] }, keys2, store, { vault: opts });
      assert.equal(ret.status, 'retired', ret.message);
      assert.equal((await client.read('transit/keys/logs')).data.min_decryption_version, 2);
      const listed = (await keys2.source(ref).list()) as ListedKeyVersion[];
      assert.deepEqual(listed.map((i) => [i.version, i.role]), [['v2', 'primary']]);
      const p = await purgeKeyVersion({ ref, version: 'v1', confirmed: true, files: [fx.path] }, keys2, store, { vault: opts });
      assert.equal(p.status, 'purged', p.message);
      assert.equal((await client.read('transit/keys/logs')).data.min_available_version, 2);
      assert.ok((await verifyFiles([fx.path], ref, keys2)).ok);
      await keys.dispose();
      await keys2.dispose();
    });
  });
});
