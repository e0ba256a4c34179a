import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { createKeySource } from '../../src/core/keys/sources';
import { KeySourceError } from '../../src/core/keys/types';
import { approleLogin } from '../../src/core/keys/vault-approle';
import { startVaultDouble, type VaultDouble } from '../support/vault-double';
import { freePort } from '../support/free-port';

async function failsWithin(p: Promise<unknown>, code: KeySourceError['code'], pattern: RegExp, ms = 2000): Promise<KeySourceError> {
  const t = Date.now();
  let caught: KeySourceError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeySourceError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    caught = e;
    return true;
  });
  assert.ok(Date.now() - t < ms, `took ${Date.now() - t} ms`);
  return caught!;
}


describe('Vault AppRole login (approleLogin) against the Vault double', () => {
  let vault: VaultDouble;
  beforeEach(async () => {
    vault = await startVaultDouble({ approle: { tokenTtlS: 1200 } });
    const root = require('node-vault')({ endpoint: vault.url, token: vault.token });
    await root.write('secret/data/app/kek', { data: { value: 'kek-v1:'.concat(Buffer.alloc(32, 7).toString('base64')) } });
    await root.write('secret/data/app/kek', { data: { value: 'kek-v2:'.concat(Buffer.alloc(32, 9).toString('base64')) } });
  });
  afterEach(() => vault.close());

  const login = (over: Partial<Parameters<typeof approleLogin>[0]> = {}) =>
    approleLogin({ endpoint: vault.url, roleId: vault.approle.roleId, secretId: vault.approle.secretId, ...over });

  it('a good pair gives a renewable token with its lease, accessor and policies; the token reads KV', async () => {
    const res = await login();
    assert.match(res.token, /^hvs\./);
    assert.notEqual(res.token, vault.token);
    assert.equal(res.leaseDurationS, 1200);
    assert.equal(res.renewable, true);
    assert.ok(res.accessor && !res.accessor.includes(res.token));
    assert.deepEqual(res.policies, ['default', 'enclog']);
    const login0 = vault.requests.find((r) => r.path === '/v1/auth/approle/login');
    assert.equal(login0?.method, 'POST');
    assert.equal(login0?.status, 200);

    const infos = await createKeySource('vault-kv:secret/app/kek', { endpoint: vault.url, token: res.token }).list();
    assert.deepEqual(infos.map((i) => i.label), ['vault-kv:secret/app/kek@v1', 'vault-kv:secret/app/kek@v2']);
    const keys = await createKeySource('vault-kv:secret/app/kek', { endpoint: vault.url, token: res.token }).load();
    assert.deepEqual(keys.map((k) => k.info.keyId), ['kek-v1', 'kek-v2']);
  });

  it('sends no token with the login, even when VAULT_TOKEN is set; namespace and a custom mount pass through', async () => {
    await vault.close();
    vault = await startVaultDouble({ approle: { mount: 'teams/enclog-approle' } });
    const saved = process.env.VAULT_TOKEN;
    process.env.VAULT_TOKEN = 'hvs.unrelated';
    try {
      const http = await import('node:http');
      const headers: IncomingHttpHeaders[] = [];
      // a tiny proxy in front of the double that records headers
      const proxy = http.createServer((req, res) => {
        headers.push(req.headers);
        const up = http.request(`${vault.url}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 500, r.headers);
          r.pipe(res);
        });
        req.pipe(up);
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
        const res = await login({ endpoint: url, mount: '/teams/enclog-approle/', namespace: 'team-a' });
        assert.ok(res.token);
        assert.equal(headers.length, 1);
        assert.equal(headers[0]!['x-vault-token'], undefined);
        assert.equal(headers[0]!['x-vault-namespace'], 'team-a');
        assert.equal(vault.requests.at(-1)?.path, '/v1/auth/teams/enclog-approle/login');
      } finally {
        proxy.closeAllConnections();
        await new Promise((r) => proxy.close(r));
      }
    } finally {
      if (saved === undefined) delete process.env.VAULT_TOKEN;
      else process.env.VAULT_TOKEN = saved;
    }
  });

  it('a bad secret id or role id is a readable "denied" error that never echoes the secret id', async () => {
    const wrongSecret = 'f00dfeed-0000-4000-8000-000000000000';
    const e1 = await failsWithin(login({ secretId: wrongSecret }), 'denied', /denied the login at auth\/approle\/login \(400: invalid role or secret ID\): check the role id, the secret id and the AppRole mount/);
    assert.ok(!e1.message.includes(wrongSecret));
    assert.match(e1.message, /^vault-approle:approle: /);
    await failsWithin(login({ roleId: 'no-such-role' }), 'denied', /invalid role or secret ID/);
    await failsWithin(login({ secretId: '' }), 'denied', /no AppRole secret id stored/);
    await failsWithin(login({ roleId: ' ' }), 'denied', /no AppRole role id configured/);
    // an auth path that is not mounted: Vault answers an unauthenticated request 403
    await failsWithin(login({ mount: 'not-mounted' }), 'denied', /login at auth\/not-mounted\/login \(403: permission denied\)/);
  });

  it('issued tokens expire (403 afterwards), renew-self extends them, and a new login works again', async () => {
    const res = await login();
    const renew = await require('node-vault')({ endpoint: vault.url, token: res.token }).write('auth/token/renew-self', {});
    assert.equal(renew.auth.client_token, res.token);
    assert.equal(renew.auth.lease_duration, 1200);
    vault.expireIssuedTokens();
    await failsWithin(createKeySource('vault-kv:secret/app/kek', { endpoint: vault.url, token: res.token }).load(), 'denied', /permission denied.*403/);
    const again = await login();
    assert.notEqual(again.token, res.token);
    assert.equal((await createKeySource('vault-kv:secret/app/kek', { endpoint: vault.url, token: again.token }).load()).length, 2);
  });

  it('sealed (503), down (connection refused) and hanging (timeout) fail clearly within 2 s', async function () {
    this.timeout(10_000);
    vault.seal();
    await failsWithin(login(), 'sealed', /sealed/);
    vault.unseal();
    const url = `http://127.0.0.1:${await freePort()}`;
    await failsWithin(login({ endpoint: url }), 'unavailable', /connection refused/);
    vault.setDelay(5000);
    await failsWithin(login(), 'timeout', /did not answer within 1500 ms/);
    await failsWithin(login({ timeoutMs: 300 }), 'timeout', /within 300 ms/, 700);
  });
});
