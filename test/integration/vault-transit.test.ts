import assert from 'node:assert/strict';
import { aesGcmEncrypt } from '../../src/core/crypto/aes-gcm';
import { inlineDeriver } from '../../src/core/crypto/argon2';
import type { EncryptedField } from '../../src/core/model';
import { KeyResolver } from '../../src/core/keys/resolver';
import type { ListedKeyVersion } from '../../src/core/keys/types';
import { VaultTransitKeySource } from '../../src/core/keys/vault-transit-source';
import { startVaultDouble, TOO_OLD, type VaultDouble } from '../support/vault-double';

describe('vault-transit source and engine through node-vault against the Vault double', () => {
  let vault: VaultDouble;
  let client: { write(p: string, d: object): Promise<{ data: Record<string, unknown> }>; read(p: string): Promise<{ data: Record<string, unknown> }> };
  let source: VaultTransitKeySource;

  before(async () => {
    vault = await startVaultDouble();
    client = require('node-vault')({ endpoint: vault.url, token: vault.token });
    await client.write('transit/keys/logs', {});
    source = new VaultTransitKeySource('transit', 'logs', { endpoint: vault.url, token: vault.token });
  });
  after(() => vault.close());

  it('decrypts 300 values in one round trip, across key versions', async () => {
    const plaintexts = Array.from({ length: 300 }, (_, n) => Buffer.from(`entry ${n}`));
    const first = await source.engine.encryptBatch(plaintexts.slice(0, 150));
    await client.write('transit/keys/logs/rotate', {});
    const second = await source.engine.encryptBatch(plaintexts.slice(150));
    const ciphertexts = [...first, ...second].map((r) => r.ciphertext as string);
    assert.ok(ciphertexts[0].startsWith('vault:v1:') && ciphertexts[299].startsWith('vault:v2:'));

    const fields: EncryptedField[] = ciphertexts.map((c) => ({ kind: 'transit', path: ['x'], ciphertext: c, version: Number(c.split(':')[1].slice(1)) }));
    vault.resetRequests();
    const r = new KeyResolver([source], { deriver: inlineDeriver() });
    const out = await r.openFields(fields);
    const decryptTrips = vault.requests.filter((q) => q.path === '/v1/transit/decrypt/logs').length;
    assert.equal(decryptTrips, 1, 'one round trip');
    assert.ok(fields.length / decryptTrips >= 100);
    assert.ok(out.every((o, n) => o.ok && o.plaintext.equals(plaintexts[n])));
    assert.ok(out[0].ok && out[0].key.label === 'vault-transit:transit/logs@v1');
    assert.ok(out[299].ok && out[299].key.label === 'vault-transit:transit/logs@v2');
  });

  it('lists versions with created times; below min_decryption_version: retired, and decrypt fails "too old"', async () => {
    const [old] = await source.engine.encryptBatch([Buffer.from('old')]); // v2 now
    await client.write('transit/keys/logs/rotate', {});
    await client.write('transit/keys/logs/config', { min_decryption_version: 3 });
    const key = (await client.read('transit/keys/logs')).data;
    assert.equal(key.latest_version, 3);
    assert.equal(key.min_decryption_version, 3);
    const infos = (await source.list()) as ListedKeyVersion[];
    assert.deepEqual(infos.map((i) => [i.version, i.role]), [['v3', 'primary']], 'Vault lists only decryptable versions in keys');
    const [res] = await source.engine.decryptBatch([old.ciphertext as string]);
    assert.equal(res.error, TOO_OLD);
    const [field] = await new KeyResolver([source], { deriver: inlineDeriver() }).openFields([{ kind: 'transit', path: [], ciphertext: old.ciphertext as string, version: 2 }]);
    assert.ok(!field.ok && field.reason === 'no-key' && field.message.includes('too old'));
    await client.write('transit/keys/logs/config', { min_decryption_version: 1 });
  });

  it('rewrap upgrades to the latest version without revealing plaintext; per-item errors in a batch', async () => {
    const [c] = await source.engine.encryptBatch([Buffer.from('r')]);
    await client.write('transit/keys/logs/rotate', {});
    const out = await source.engine.rewrapBatch([c.ciphertext as string, 'vault:v1:AAAA', 'garbage']);
    assert.ok(out[0].ciphertext?.startsWith('vault:v4:'));
    assert.match(out[1].error ?? '', /invalid ciphertext/);
    assert.match(out[2].error ?? '', /invalid ciphertext: no prefix/);
    const [p] = await source.engine.decryptBatch([out[0].ciphertext as string]);
    assert.equal(p.plaintext?.toString(), 'r');
  });

  it('envelope values whose DEK is wrapped by transit (datakey) open via one batched unwrap', async () => {
    const fields: EncryptedField[] = [];
    for (let n = 0; n < 120; n++) {
      const dk = (await client.write('transit/datakey/plaintext/logs', {})).data as { plaintext: string; ciphertext: string };
      const dek = Buffer.from(dk.plaintext, 'base64');
      assert.equal(dek.length, 32);
      const { nonce, sealed } = aesGcmEncrypt(dek, Buffer.from(`v${n}`));
      fields.push({
        kind: 'envelope',
        path: [],
        data: { version: 1, alg: 'AES-256-GCM', key_id: 'vault-transit:logs', dek_wrapped: dk.ciphertext, nonce: nonce.toString('base64'), ciphertext: sealed.toString('base64') },
      });
    }
    const wrapped = (await client.write('transit/datakey/wrapped/logs', {})).data;
    assert.equal(wrapped.plaintext, undefined);
    vault.resetRequests();
    const out = await new KeyResolver([source], { deriver: inlineDeriver() }).openFields(fields);
    assert.ok(out.every((o, n) => o.ok && o.plaintext.toString() === `v${n}`));
    assert.equal(vault.requests.filter((q) => q.path.startsWith('/v1/transit/decrypt/')).length, 1);
  });
});
