import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { generateEnvelopeLog, generateSymbiontLog, type EnvelopeFixture, type KekSpec } from '../fixtures/generate';
import { startVaultDouble, type VaultDouble } from '../support/vault-double';
import { jsonLines, runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

interface VaultClient {
  write(path: string, data: object): Promise<{ data: Record<string, unknown> }>;
}

/** The CLI as a user runs it, with keys in the real keychain, in Vault KV v2 and behind Vault transit. */
describe('enclog decrypt with keychain, Rust-keyring and Vault sources (real gnome-keyring, Vault double)', function () {
  this.timeout(120000);
  const dir = useTmpDir('cli-sources');
  let vault: VaultDouble;
  let env: NodeJS.ProcessEnv;
  let envelope: EnvelopeFixture;
  const keks: KekSpec[] = ['kek-v1', 'kek-v2', 'kek-v3'].map((id) => ({ id, key: randomBytes(32) }));
  const service = `enclog-cli-${process.pid}`;

  before(async () => {
    vault = await startVaultDouble();
    env = { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.token };
    const client: VaultClient = require('node-vault')({ endpoint: vault.url, token: vault.token });
    for (const k of keks.slice(0, 2)) await client.write('secret/data/enclog/kek', { data: { value: `${k.id}:${k.key.toString('base64')}` } });
    await client.write('transit/keys/logs', {});
    const keytar = require('keytar') as { setPassword(s: string, a: string, p: string): Promise<void> };
    await keytar.setPassword(service, 'kek-v3', `kek-v3:${keks[2].key.toString('base64')}`);
    envelope = await generateEnvelopeLog(dir(), {
      entries: 45,
      keks,
      transit: {
        name: 'logs',
        wrapDek: async (dek) => (await client.write('transit/encrypt/logs', { plaintext: dek.toString('base64') })).data.ciphertext as string,
      },
    });
  });
  after(() => vault.close());

  it('opens every envelope entry: KEKs from Vault KV versions and the keychain, DEKs unwrapped by transit', async () => {
    vault.resetRequests();
    const run = await runCli(
      ['decrypt', envelope.path, '--json', '--no-mask', '--key', 'vault-kv:secret/enclog/kek', '--key', 'vault-transit:transit/logs', '--key', `keychain:${service}`],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    const rows = jsonLines(run.stdout);
    assert.equal(rows.length, envelope.entries.length);
    const labelFor: Record<string, RegExp> = {
      'kek-v1': /^vault-kv:secret\/enclog\/kek@v1$/,
      'kek-v2': /^vault-kv:secret\/enclog\/kek@v2$/,
      'kek-v3': new RegExp(`^keychain:${service}`),
      'vault-transit:logs': /^vault-transit:transit\/logs@v1$/,
    };
    rows.forEach((row, i) => {
      const want = envelope.entries[i];
      assert.equal(row.status, 'ok', `entry ${i}: ${row.error}`);
      assert.match(String(row.key), labelFor[want.key], `entry ${i} key`);
      assert.deepEqual(row.request, want.request);
      assert.deepEqual(row.response, want.response);
    });
    const transitEntries = envelope.entries.filter((e) => e.key === 'vault-transit:logs').length;
    const decryptTrips = vault.requests.filter((q) => q.path === '/v1/transit/decrypt/logs').length;
    assert.ok(transitEntries >= 9 && decryptTrips >= 1);
    assert.equal(decryptTrips, 1, `all ${transitEntries} transit unwraps share one round trip (default batch 256)`);
  });

  it('lists every version of every source without key material', async () => {
    const run = await runCli(['keys', 'list', '--json', '--key', 'vault-kv:secret/enclog/kek', '--key', 'vault-transit:transit/logs', '--key', `keychain:${service}`], { env });
    assert.equal(run.code, 0, run.stderr);
    const { keys } = JSON.parse(run.stdout) as { keys: { label: string; role: string }[] };
    const labels = keys.map((k) => k.label);
    assert.ok(labels.includes('vault-kv:secret/enclog/kek@v1') && labels.includes('vault-kv:secret/enclog/kek@v2'));
    assert.ok(labels.includes('vault-transit:transit/logs@v1'));
    assert.equal(keys.find((k) => k.label === 'vault-kv:secret/enclog/kek@v2')?.role, 'primary');
    for (const k of keks) assert.ok(!run.stdout.includes(k.key.toString('base64')), 'no key material in the output');
  });

  it('groups Vault KV versions and a keychain service into lineages with one primary each', async () => {
    const keytar = require('keytar') as { setPassword(s: string, a: string, p: string): Promise<void> };
    await keytar.setPassword(`${service}-lin`, 'symbiont-a', randomBytes(32).toString('base64'));
    await keytar.setPassword(`${service}-lin`, 'symbiont-b', randomBytes(32).toString('base64'));
    const run = await runCli(
      ['keys', 'list', '--json', '--key', 'vault-kv:secret/enclog/kek', '--key', `keychain:${service}`, '--key', `keychain:${service}-lin`, '--key', 'vault-transit:transit/logs'],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    type L = { name: string; rule: string; primary: string | null; versions: { version: string; role: string; label: string }[] };
    const byName = Object.fromEntries((JSON.parse(run.stdout).lineages as L[]).map((l) => [l.name, l]));
    // Vault KV lists metadata only (no key id without reading the value): its versions are one lineage of their own.
    const kv = byName['vault-kv:secret/enclog/kek'];
    assert.equal(kv.rule, 'source');
    assert.deepEqual(kv.versions.map((v) => [v.version, v.role]), [['v1', 'decrypt-only'], ['v2', 'primary']]);
    assert.equal(kv.primary, 'vault-kv:secret/enclog/kek@v2');
    assert.deepEqual(byName.kek.versions.map((v) => [v.version, v.role]), [['v3', 'primary']], 'the keychain KEK named by its id family');
    const lin = byName[`keychain:${service}-lin`];
    assert.equal(lin.rule, 'source');
    assert.equal(lin.versions.length, 2);
    assert.equal(lin.versions.filter((v) => v.role === 'primary').length, 1);
    assert.equal(byName['vault-transit:transit/logs'].versions.length, 1);
  });

  it('reads a Symbiont log whose old key is a Rust-keyring item and new key a keytar item', async () => {
    const fx = await generateSymbiontLog(dir(), { entries: 8, kdf: 'Argon2', fileName: 'symbiont.encrypted.log' });
    execFileSync('secret-tool', ['store', '--label', 'Symbiont key', 'service', `${service}-rs`, 'username', 'secrets', 'target', 'default', 'application', 'rust-keyring'], { input: fx.keyA });
    const keytar = require('keytar') as { setPassword(s: string, a: string, p: string): Promise<void> };
    await keytar.setPassword(`${service}-sym`, 'secrets-v2', fx.keyB);
    const run = await runCli(['decrypt', fx.path, '--json', '--no-mask', '--key', `keychain:${service}-sym`, '--key', `keyring:${service}-rs/secrets`]);
    assert.equal(run.code, 0, run.stderr);
    const rows = jsonLines(run.stdout);
    rows.forEach((row, i) => {
      assert.equal(row.status, 'ok', `entry ${i}: ${row.error}`);
      assert.match(String(row.key), fx.entries[i].key === 'A' ? /^keyring:/ : /^keychain:/);
      assert.deepEqual(row.request, fx.entries[i].request);
    });
  });

  it('a sealed Vault is a readable per-entry error and exit 3, within seconds, not a hang', async () => {
    vault.seal();
    try {
      const started = Date.now();
      const run = await runCli(['decrypt', envelope.path, '--json', '--key', 'vault-kv:secret/enclog/kek'], { env, timeoutMs: 20000 });
      assert.equal(run.code, 3);
      assert.match(run.stderr, /sealed/i);
      assert.ok(Date.now() - started < 15000);
    } finally {
      vault.unseal();
    }
  });
});
