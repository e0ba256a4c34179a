import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSymbiontLog, type SymbiontFixture } from '../fixtures/generate';
import { jsonLines } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

const root = resolve(__dirname, '../../..');

/**
 * The bundled CLI laid out as the VSIX ships it (bin/, out/ bundles, package.json and only the
 * native @node-rs/argon2 binding under node_modules), in a directory where keytar cannot be resolved.
 */
function keytarFreeCli(dir: string): string {
  const app = join(dir, 'app');
  for (const d of ['bin', 'out', 'node_modules/@node-rs']) mkdirSync(join(app, d), { recursive: true });
  cpSync(join(root, 'bin', 'enclog.js'), join(app, 'bin', 'enclog.js'));
  cpSync(join(root, 'package.json'), join(app, 'package.json'));
  for (const f of ['cli.js', 'argon2-worker.js', 'envelope-worker.js', 'vendor-dbus-next.js', 'vendor-node-vault.js']) cpSync(join(root, 'out', f), join(app, 'out', f));
  const scope = realpathSync(join(root, 'node_modules', '@node-rs'));
  for (const name of readdirSync(scope).filter((n) => n === 'argon2' || n.startsWith(`argon2-${process.platform}-${process.arch}`))) {
    cpSync(realpathSync(join(scope, name)), join(app, 'node_modules', '@node-rs', name), { recursive: true, dereference: true });
  }
  return app;
}

function runIn(app: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const env = { ...process.env };
  delete env.NODE_PATH;
  const t0 = Date.now();
  return new Promise((res) => {
    execFile(process.execPath, [join(app, 'bin', 'enclog.js'), ...args], { cwd: app, env, timeout: 60000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Plants an item exactly as Symbiont's Rust `keyring` crate writes it (formats.md section 4). */
function plantRustKeyring(service: string, username: string, value: string): void {
  execFileSync('secret-tool', ['store', '--label', `${service} key`, 'service', service, 'username', username, 'target', 'default', 'application', 'rust-keyring'], { input: value });
}

/** Plants an item with keytar's attributes (service + account), written by secret-tool, not keytar. */
function plantKeytarStyle(service: string, account: string, value: string): void {
  execFileSync('secret-tool', ['store', '--label', `${service}/${account}`, 'service', service, 'account', account], { input: value });
}

describe('keychain:symbiont/secrets reads Symbiont\'s Rust-keyring item with a keytar-free CLI (real gnome-keyring)', function () {
  this.timeout(120000);
  const dir = useTmpDir('keychain-symbiont');
  let app: string;
  let fx: SymbiontFixture;

  before(async function () {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('run the integration tier through scripts/with-keyring.sh');
    app = keytarFreeCli(dir());
    const probe = spawnSync(process.execPath, ['-e', "require.resolve('keytar')"], { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
    assert.notEqual(probe.status, 0, 'keytar must not be resolvable from the CLI directory');
    fx = await generateSymbiontLog(dir(), { entries: 6, kdf: 'Argon2', fileName: 'model_io.encrypted.log' });
  });

  it('enclog decrypt --key keychain:symbiont/secrets opens every entry sealed with the Rust-keyring key', async () => {
    const one = await generateSymbiontLog(dir(), { entries: 6, kdf: 'Argon2', keyA: fx.keyA, keyB: fx.keyA, fileName: 'single-key.encrypted.log' });
    plantRustKeyring('symbiont', 'secrets', fx.keyA);
    const run = await runIn(app, ['decrypt', one.path, '--json', '--no-mask', '--key', 'keychain:symbiont/secrets']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /keytar/);
    const rows = jsonLines(run.stdout);
    assert.equal(rows.length, one.entries.length);
    rows.forEach((row, i) => {
      assert.equal(row.status, 'ok', `entry ${i}: ${String(row.error)}`);
      assert.equal(row.key, 'keychain:symbiont/secrets');
      assert.deepEqual(row.request, one.entries[i].request);
    });
    assert.ok(!run.stdout.includes(fx.keyA), 'no key material in the output');
  });

  it('keychain:SERVICE lists a Rust-keyring item and a keytar-style item as versions; both open their entries', async () => {
    plantRustKeyring('symbiont-mixed', 'secrets', fx.keyA);
    await new Promise((r) => setTimeout(r, 1100)); // creation times have one-second resolution: B is newer
    plantKeytarStyle('symbiont-mixed', 'secrets-2025', fx.keyB);
    const list = await runIn(app, ['keys', 'list', '--json', '--key', 'keychain:symbiont-mixed']);
    assert.equal(list.code, 0, list.stderr);
    const { keys } = JSON.parse(list.stdout) as { keys: Array<{ version: string; role: string }> };
    const versions = keys.map((v) => [v.version, v.role]);
    assert.deepEqual(versions, [['secrets', 'decrypt-only'], ['secrets-2025', 'primary']], list.stdout);
    const run = await runIn(app, ['decrypt', fx.path, '--json', '--no-mask', '--key', 'keychain:symbiont-mixed']);
    assert.equal(run.code, 0, run.stderr);
    jsonLines(run.stdout).forEach((row, i) => {
      assert.equal(row.status, 'ok', `entry ${i}: ${String(row.error)}`);
      assert.equal(row.key, `keychain:symbiont-mixed@${fx.entries[i].key === 'A' ? 'secrets' : 'secrets-2025'}`);
    });
  });

  it('keyring:SERVICE/USERNAME stays an alias with its own label', async () => {
    plantRustKeyring('symbiont', 'secrets', fx.keyA);
    const run = await runIn(app, ['keys', 'list', '--json', '--key', 'keyring:symbiont/secrets']);
    assert.equal(run.code, 0, run.stderr);
    const { keys } = JSON.parse(run.stdout) as { keys: Array<{ label: string }> };
    assert.deepEqual(keys.map((k) => k.label), ['keyring:symbiont/secrets']);
  });

  it('a missing item is a clear not-found error within 2 s, naming both item kinds, never a crash', async () => {
    const run = await runIn(app, ['keys', 'list', '--key', 'keychain:symbiont/nobody']);
    assert.notEqual(run.code, 0);
    assert.equal(run.code === null, false, 'exited normally');
    assert.match(run.stderr, /no keychain item for service 'symbiont' account\/username 'nobody' \(looked for keytar and Rust-keyring items\)/);
    assert.ok(run.ms < 2000 + 1500, `took ${run.ms} ms (process start included)`);
  });
});
