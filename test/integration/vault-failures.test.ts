import assert from 'node:assert/strict';
import { createKeySource } from '../../src/core/keys/sources';
import { isTokenRejected, KeySourceError, type AuditEvent } from '../../src/core/keys/types';
import { approleLogin } from '../../src/core/keys/vault-approle';
import { createEngine } from '../../src/core/engine';
import { VaultTransitKeySource } from '../../src/core/keys/vault-transit-source';
import { startVaultDouble, type VaultDouble } from '../support/vault-double';
import { freePort } from '../support/free-port';

async function failsWithin(p: Promise<unknown>, code: KeySourceError['code'], pattern: RegExp, ms = 2000): Promise<void> {
  const t = Date.now();
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeySourceError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
  assert.ok(Date.now() - t < ms, `took ${Date.now() - t} ms`);
}


describe('Vault failures become clear KeySourceErrors within 2 s', () => {
  let vault: VaultDouble;
  beforeEach(async () => {
    vault = await startVaultDouble();
    const client = require('node-vault')({ endpoint: vault.url, token: vault.token });
    await client.write('secret/data/app', { data: { value: 'k' } });
    await client.write('transit/keys/logs', {});
  });
  afterEach(() => vault.close());

  const refs = ['vault-kv:secret/app', 'vault-transit:transit/logs'];

  it('sealed (503)', async () => {
    vault.seal();
    for (const ref of refs) await failsWithin(createKeySource(ref, { endpoint: vault.url, token: vault.token }).load(), 'sealed', /sealed/);
    const engine = (createKeySource('vault-transit:transit/logs', { endpoint: vault.url, token: vault.token }) as VaultTransitKeySource).engine;
    await failsWithin(engine.decryptBatch(['vault:v1:AAAA']), 'sealed', /sealed/);
  });

  it('permission denied (403) for a bad token; no token at all', async () => {
    for (const ref of refs) await failsWithin(createKeySource(ref, { endpoint: vault.url, token: 'hvs.wrong' }).load(), 'denied', /permission denied.*403/);
    await failsWithin(createKeySource(refs[0], { endpoint: vault.url, env: {} }).load(), 'denied', /no Vault token: set VAULT_TOKEN/);
  });

  it('a rejected token is known by its code and HTTP status, not by the message (also in the audit event)', async () => {
    for (const ref of refs) {
      const err = await createKeySource(ref, { endpoint: vault.url, token: 'hvs.wrong' }).load().then(() => undefined, (e: unknown) => e as KeySourceError);
      assert.ok(err instanceof KeySourceError);
      assert.deepEqual([err.code, err.status, isTokenRejected(err)], ['denied', 403, true]);
    }
    // denied, but not a token Vault rejected: no token at all, and a refused login
    const none = await createKeySource(refs[0], { endpoint: vault.url, env: {} }).load().then(() => undefined, (e: unknown) => e as KeySourceError);
    assert.equal(isTokenRejected(none), false);
    const login = await approleLogin({ endpoint: vault.url, mount: 'approle', roleId: 'no-such-role', secretId: 'x', timeoutMs: 2000 }).then(() => undefined, (e: unknown) => e as KeySourceError);
    assert.ok(login instanceof KeySourceError && login.code === 'denied', String(login));
    assert.equal(isTokenRejected(login), false, 'a refused login is not a rejected token');

    const events: AuditEvent[] = [];
    const engine = createEngine({ keyRefs: refs, vault: { endpoint: vault.url, token: 'hvs.wrong' }, audit: (e) => events.push(e) });
    try {
      await engine.versions();
      const errs = events.filter((e) => e.action === 'key-source-error');
      assert.deepEqual(errs.map((e) => [e.source, e.code, e.status]).sort(), refs.map((r) => [r, 'denied', 403]).sort());
    } finally {
      await engine.dispose();
    }
  });

  it('connection refused', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    for (const ref of refs) await failsWithin(createKeySource(ref, { endpoint: url, token: 't' }).load(), 'unavailable', /connection refused/);
  });

  it('a hanging Vault times out (default timeout and a short one)', async function () {
    this.timeout(10000);
    vault.setDelay(5000);
    await failsWithin(createKeySource(refs[0], { endpoint: vault.url, token: vault.token }).load(), 'timeout', /did not answer within 1500 ms/);
    await failsWithin(createKeySource(refs[1], { endpoint: vault.url, token: vault.token, timeoutMs: 300 }).load(), 'timeout', /within 300 ms/, 700);
  });

  it('VAULT_ADDR / VAULT_TOKEN / namespace come from the environment or options', async () => {
    const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.token };
    const [k] = await createKeySource(refs[0], { env, namespace: 'team-a' }).load();
    assert.equal(k.material?.toString(), 'k');
    assert.equal(vault.requests.at(-1)?.namespace, 'team-a');
  });

  describe('the double answers with Vault shapes', () => {
    const get = async (path: string, token?: string) => {
      const res = await fetch(`${vault.url}${path}`, { headers: token ? { 'X-Vault-Token': token } : {} });
      return { status: res.status, body: res.status === 204 ? null : await res.json() };
    };
    it('403, 404, 400, 503, 204', async () => {
      assert.deepEqual(await get('/v1/secret/data/app'), { status: 403, body: { errors: ['permission denied'] } });
      assert.deepEqual(await get('/v1/secret/data/missing', vault.token), { status: 404, body: { errors: [] } });
      const bad = await fetch(`${vault.url}/v1/transit/decrypt/logs`, { method: 'POST', headers: { 'X-Vault-Token': vault.token }, body: '{"ciphertext":"nope"}' });
      assert.deepEqual({ status: bad.status, body: await bad.json() }, { status: 400, body: { errors: ['invalid ciphertext: no prefix'] } });
      const del = await fetch(`${vault.url}/v1/secret/metadata/app`, { method: 'DELETE', headers: { 'X-Vault-Token': vault.token } });
      assert.equal(del.status, 204);
      vault.seal();
      assert.deepEqual(await get('/v1/secret/data/app', vault.token), { status: 503, body: { errors: ['Vault is sealed'] } });
    });
  });
});
