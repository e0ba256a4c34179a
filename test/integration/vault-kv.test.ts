import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sealEnvelope } from '../../src/core/crypto/envelope-cipher';
import { inlineDeriver } from '../../src/core/crypto/argon2';
import { KeyResolver } from '../../src/core/keys/resolver';
import { createKeySource } from '../../src/core/keys/sources';
import type { ListedKeyVersion } from '../../src/core/keys/types';
import { startVaultDouble, type VaultDouble } from '../support/vault-double';

describe('vault-kv source through node-vault against the Vault double', () => {
  let vault: VaultDouble;
  let client: { write(p: string, d: object): Promise<{ data: Record<string, unknown> }>; read(p: string): Promise<{ data: Record<string, unknown> }> };
  const keks = [randomBytes(32), randomBytes(32), randomBytes(32)];

  before(async () => {
    vault = await startVaultDouble();
    client = require('node-vault')({ endpoint: vault.url, token: vault.token });
    for (const [n, k] of keks.entries()) await client.write('secret/data/app/kek', { data: { value: `kek-v${n + 1}:${k.toString('base64')}`, other: 'x' } });
    await client.write('secret/delete/app/kek', { versions: [1] });
  });
  after(() => vault.close());

  const opts = () => ({ endpoint: vault.url, token: vault.token });

  it('lists every KV v2 version with created times; deleted ones retired and unusable; newest live is primary', async () => {
    const infos = (await createKeySource('vault-kv:secret/app/kek', opts()).list()) as ListedKeyVersion[];
    assert.deepEqual(
      infos.map((i) => [i.label, i.role, i.unusable ?? '-']),
      [
        ['vault-kv:secret/app/kek@v1', 'retired', 'deleted'],
        ['vault-kv:secret/app/kek@v2', 'decrypt-only', '-'],
        ['vault-kv:secret/app/kek@v3', 'primary', '-'],
      ],
    );
    assert.ok(infos.every((i) => /^\d{4}-\d\d-\d\dT/.test(i.createdTime ?? '')));
  });

  it('loads each live version (?version=N) and the resolver opens values of every live version', async () => {
    const src = createKeySource('vault-kv:secret/app/kek', opts());
    const keys = await src.load();
    assert.deepEqual(keys.map((k) => [k.info.version, k.info.keyId]), [['v2', 'kek-v2'], ['v3', 'kek-v3']]);
    assert.ok(vault.requests.some((r) => r.path === '/v1/secret/data/app/kek?version=2'));
    const r = new KeyResolver([src], { deriver: inlineDeriver() });
    const out = await r.openFields([
      { kind: 'envelope', path: [], data: sealEnvelope(Buffer.from('two'), keks[1], 'kek-v2') },
      { kind: 'envelope', path: [], data: sealEnvelope(Buffer.from('one'), keks[0], 'kek-v1') },
    ]);
    assert.ok(out[0].ok && out[0].key.label === 'vault-kv:secret/app/kek@v2');
    assert.ok(!out[1].ok && out[1].reason === 'no-key', 'the deleted version is unusable');
  });

  it('#FIELD picks another field; a missing field is a clear error', async () => {
    const [k] = await createKeySource('vault-kv:secret/app/kek#other', opts()).load();
    assert.equal(k.material?.toString(), 'x');
    await assert.rejects(createKeySource('vault-kv:secret/app/kek#nope', opts()).load(), /has no field 'nope' \(fields: value, other\)/);
  });

  it('destroyed versions are listed but never read', async () => {
    await client.write('secret/data/sym', { data: { value: 'sym-1' } });
    await client.write('secret/data/sym', { data: { value: 'sym-2' } });
    await client.write('secret/destroy/sym', { versions: [2] });
    const src = createKeySource('vault-kv:secret/sym', opts());
    const infos = (await src.list()) as ListedKeyVersion[];
    assert.deepEqual(infos.map((i) => [i.version, i.role, i.unusable ?? '-']), [['v1', 'primary', '-'], ['v2', 'retired', 'destroyed']]);
    assert.deepEqual((await src.load()).map((k) => k.material?.toString()), ['sym-1']);
  });

  it('a missing path is not-found', async () => {
    await assert.rejects(createKeySource('vault-kv:secret/none', opts()).load(), /not found in Vault: read secret\/metadata\/none \(404\)/);
  });

  describe('the double follows KV v2', () => {
    it('cas checks, max_versions 10, oldest_version, undelete', async () => {
      await client.write('secret/data/c', { data: { value: '1' }, options: { cas: 0 } });
      await assert.rejects(client.write('secret/data/c', { data: { value: '2' }, options: { cas: 0 } }), /check-and-set parameter did not match the current version/);
      for (let n = 2; n <= 12; n++) await client.write('secret/data/c', { data: { value: String(n) }, options: { cas: n - 1 } });
      const meta = (await client.read('secret/metadata/c')).data;
      assert.equal(meta.current_version, 12);
      assert.equal(meta.oldest_version, 3);
      assert.deepEqual(Object.keys(meta.versions as object), ['3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
      await client.write('secret/delete/c', { versions: [12] });
      await assert.rejects(client.read('secret/data/c'), (e: { response: { statusCode: number; body: { data: { metadata: { deletion_time: string } } } } }) => {
        assert.equal(e.response.statusCode, 404);
        assert.ok(e.response.body.data.metadata.deletion_time);
        return true;
      });
      await client.write('secret/undelete/c', { versions: [12] });
      assert.deepEqual((await client.read('secret/data/c')).data.data, { value: '12' });
    });
  });
});
