/**
 * The metadata-only listing against real services: the Vault double (which records every path asked
 * for) and a real gnome-keyring (with-keyring.sh). No secret may be read: no `MOUNT/data/` path at
 * Vault, no GetSecret(s) call on the Secret Service.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KeychainKeySource } from '../../src/core/keys/keychain-source';
import { SecretServiceClient } from '../../src/core/keys/secret-service';
import { createKeySource, createKeySources } from '../../src/core/keys/sources';
import { KeyResolver } from '../../src/core/keys/resolver';
import { inlineDeriver } from '../../src/core/crypto/argon2';
import type { ListedKeyVersion } from '../../src/core/keys/types';
import { startVaultDouble, type VaultDouble } from '../support/vault-double';
import { runCli } from '../support/run-cli';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('metadata-only key listing (Vault double, real keychain)', function () {
  this.timeout(30_000);
  let vault: VaultDouble;
  const opts = () => ({ endpoint: vault.url, token: vault.token });
  const post = async (path: string, body: object): Promise<void> => {
    const res = await fetch(`${vault.url}/v1/${path}`, { method: 'POST', headers: { 'X-Vault-Token': vault.token }, body: JSON.stringify(body) });
    assert.ok(res.status === 200 || res.status === 204, `${path}: ${res.status} ${await res.text()}`);
  };

  before(async () => {
    vault = await startVaultDouble();
    for (let n = 1; n <= 4; n++) await post('secret/data/meta/kek', { data: { value: `kek-v${n}:${randomBytes(32).toString('base64')}` } });
    await post('secret/delete/meta/kek', { versions: [1] });
    await post('secret/destroy/meta/kek', { versions: [2] });
    await post('transit/keys/meta-t', {});
    await post('transit/keys/meta-t/rotate', {});
    await post('transit/keys/meta-t/rotate', {});
    await post('transit/keys/meta-t/config', { min_decryption_version: 2 });
  });
  after(() => vault.close());

  it('vault-kv: only GET MOUNT/metadata/PATH; versions, roles and created times equal the full listing', async () => {
    const src = createKeySource('vault-kv:secret/meta/kek', opts());
    vault.resetRequests();
    const meta = await src.metadata();
    assert.deepEqual(
      vault.requests.map((r) => `${r.method} ${r.path}`),
      ['GET /v1/secret/metadata/meta/kek'],
    );
    assert.equal(meta.readSecrets, false);
    const full = (await src.list()) as ListedKeyVersion[];
    assert.ok(vault.requests.some((r) => r.path.startsWith('/v1/secret/data/meta/kek')), 'the full listing reads a value (to learn the kind): the recorder sees data reads');
    assert.deepEqual(
      meta.versions.map((m) => [m.label, m.role, m.createdTime, m.unusable ?? '-', m.kind ?? '?']),
      full.map((f) => [f.label, f.role, f.createdTime, f.unusable ?? '-', '?']),
    );
    assert.deepEqual(
      meta.versions.map((m) => [m.version, m.role, m.unusable ?? '-']),
      [
        ['v1', 'retired', 'deleted'],
        ['v2', 'retired', 'destroyed'],
        ['v3', 'decrypt-only', '-'],
        ['v4', 'primary', '-'],
      ],
    );
  });

  it('vault-transit: only GET MOUNT/keys/NAME; versions, roles, created times', async () => {
    const src = createKeySource('vault-transit:transit/meta-t', opts());
    vault.resetRequests();
    const meta = await src.metadata();
    assert.deepEqual(vault.requests.map((r) => `${r.method} ${r.path}`), ['GET /v1/transit/keys/meta-t']);
    // Vault leaves versions below min_decryption_version out of `keys`
    assert.deepEqual(meta.versions.map((m) => [m.version, m.role, m.kind]), [
      ['v2', 'decrypt-only', 'transit'],
      ['v3', 'primary', 'transit'],
    ]);
    assert.ok(meta.versions.every((m) => /^\d{4}-\d\d-\d\dT/.test(m.createdTime ?? '')));
  });

  it('resolver: the status listing of a KV + transit setup reads no secret path; errors per source (403, 404)', async () => {
    const r = new KeyResolver(createKeySources(['vault-kv:secret/meta/kek', 'vault-transit:transit/meta-t', 'vault-kv:secret/meta/none'], opts()), { deriver: inlineDeriver() });
    vault.resetRequests();
    const { keys, errors } = await r.metadata();
    assert.equal(keys.length, 6);
    assert.deepEqual(errors.map((e) => [e.ref, e.code]), [['vault-kv:secret/meta/none', 'not-found']]);
    assert.ok(vault.requests.length > 0);
    assert.deepEqual(vault.requests.filter((r) => /\/data\/|\/decrypt\/|\/export\//.test(r.path)), [], 'no secret read');
    const denied = new KeyResolver(createKeySources(['vault-kv:secret/meta/kek'], { endpoint: vault.url, token: 'hvs.wrong' }), { deriver: inlineDeriver() });
    assert.match((await denied.metadata()).errors[0]!.message, /403|permission denied/);
  });

  it('enclog keys list --metadata-only: Vault metadata paths only, an unusable key file aged by stat, no key material printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enclog-meta-cli-'));
    try {
      const kek = randomBytes(32).toString('base64');
      const file = join(dir, 'old-kek.key');
      writeFileSync(file, `kek-v9:${kek}\n`, { mode: 0o644 }); // too open: loading refuses it
      const old = new Date(Date.now() - 400 * 86_400_000);
      utimesSync(file, old, old);
      const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.token, META_KEY: `kek-v8:${kek}` };
      const refs = ['--key', 'vault-kv:secret/meta/kek', '--key', 'vault-transit:transit/meta-t', '--key', `file:${file}`, '--key', 'env:META_KEY'];
      vault.resetRequests();
      const run = await runCli(['keys', 'list', '--metadata-only', '--json', ...refs], { env, cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual([...new Set(vault.requests.map((r) => `${r.method} ${r.path}`))].sort(), ['GET /v1/secret/metadata/meta/kek', 'GET /v1/transit/keys/meta-t']);
      const out = JSON.parse(run.stdout) as { keys: Array<Record<string, unknown>>; errors: unknown[] };
      const byLabel = new Map(out.keys.map((k) => [k.label, k]));
      assert.deepEqual(byLabel.get(`file:${file}`), {
        label: `file:${file}`,
        source: `file:${file}`,
        version: 'current',
        role: 'primary',
        kind: null,
        keyId: null,
        createdTime: null,
        modifiedTime: old.toISOString(),
        unusable: null,
      });
      assert.equal(byLabel.get('vault-kv:secret/meta/kek@v4')!.role, 'primary');
      assert.equal(byLabel.get('vault-transit:transit/meta-t@v3')!.kind, 'transit');
      assert.equal(byLabel.get('env:META_KEY')!.role, 'primary');
      assert.ok(!run.stdout.includes(kek) && !run.stderr.includes(kek), 'no key material printed');

      const text = await runCli(['keys', 'list', '--metadata-only', ...refs], { env, cwd: dir });
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`^file:${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\tprimary\tfile modified ${old.toISOString()}$`, 'm'));
      assert.match(text.stdout, /^vault-kv:secret\/meta\/kek@v4\tprimary\tcreated \d{4}-/m);
      assert.match(text.stdout, /^vault-kv:secret\/meta\/kek@v2\tretired\tcreated [^\t]+\tdestroyed$/m);

      // the full listing of the same setup refuses the loose file (it must read it)
      const full = await runCli(['keys', 'list', ...refs], { env, cwd: dir });
      assert.equal(full.code, 3);
      assert.match(full.stderr, /refusing key file .*mode 0644/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('keychain (Secret Service)', () => {
    before(function () {
      if (!process.env.DBUS_SESSION_BUS_ADDRESS || !process.env.GNOME_KEYRING_CONTROL) {
        throw new Error('run the integration tier through scripts/with-keyring.sh (npm run test:integration)');
      }
    });

    it('lists items from their attributes and Created times; GetSecret(s) is never called', async () => {
      const keytar = require('keytar') as { setPassword(s: string, a: string, p: string): Promise<void> };
      await keytar.setPassword('enclog-meta', 'kek-a', `kek-v1:${randomBytes(32).toString('base64')}`);
      await keytar.setPassword('enclog-meta', 'kek-b', `kek-v2:${randomBytes(32).toString('base64')}`);
      const src = new KeychainKeySource('enclog-meta', undefined);
      const full = await src.list();
      const proto = SecretServiceClient.prototype as unknown as { getSecrets: (...a: unknown[]) => unknown };
      const orig = proto.getSecrets;
      let calls = 0;
      proto.getSecrets = function (this: unknown, ...a: unknown[]) {
        calls++;
        return orig.apply(this, a);
      };
      try {
        const meta = await src.metadata();
        assert.equal(calls, 0, 'no secret was read over D-Bus');
        assert.equal(meta.readSecrets, false);
        assert.deepEqual(
          meta.versions.map((m) => [m.label, m.role, m.createdTime, m.kind]),
          full.map((f) => [f.label, f.role, f.createdTime, undefined]),
        );
        assert.ok(meta.versions.every((m) => m.createdTime), 'gnome-keyring records creation times');
        await src.load();
        assert.equal(calls, 1, 'the spy sees a real read (load)');
      } finally {
        proto.getSecrets = orig;
      }
    });
  });
});
