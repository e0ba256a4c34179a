import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sealEnvelope } from '../../src/core/crypto/envelope-cipher';
import { inlineDeriver } from '../../src/core/crypto/argon2';
import { KeychainKeySource } from '../../src/core/keys/keychain-source';
import { KeyringKeySource } from '../../src/core/keys/keyring-source';
import { deleteKeychainVersion, storeKeychainItem } from '../../src/core/keys/keychain-store';
import type { KeytarApi } from '../../src/core/keys/keytar-loader';
import { KeyResolver } from '../../src/core/keys/resolver';
import { createKeySources } from '../../src/core/keys/sources';
import { KeySourceError } from '../../src/core/keys/types';

const root = resolve(__dirname, '../../..');

function isCode(code: KeySourceError['code'], pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof KeySourceError, `expected KeySourceError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

describe('keychain sources against a real gnome-keyring (with-keyring.sh)', function () {
  this.timeout(30000);
  const keytar = require('keytar') as {
    setPassword(s: string, a: string, p: string): Promise<void>;
    getPassword(s: string, a: string): Promise<string | null>;
  };
  const kek = randomBytes(32);

  before(function () {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS || !process.env.GNOME_KEYRING_CONTROL) {
      throw new Error('run the integration tier through scripts/with-keyring.sh (npm run test:integration)');
    }
  });

  it('keychain:SERVICE lists every keytar account as a version and reads them', async () => {
    await keytar.setPassword('enclog-app', 'kek-2024', `kek-v1:${kek.toString('base64')}`);
    await keytar.setPassword('enclog-app', 'symbiont', 'c3ltYmlvbnQta2V5');
    const src = new KeychainKeySource('enclog-app', undefined);
    const infos = await src.list();
    assert.deepEqual(infos.map((i) => [i.version, i.kind, i.label]), [
      ['kek-2024', 'kek', 'keychain:enclog-app@kek-2024'],
      ['symbiont', 'symbiont', 'keychain:enclog-app@symbiont'],
    ]);
    assert.ok(infos.every((i) => typeof i.createdTime === 'string'), 'creation times from the Secret Service');
    assert.equal(infos.filter((i) => i.role === 'primary').length, 1);
    const keys = await src.load();
    assert.ok(keys[0].material?.equals(kek));
    assert.equal(keys[1].material?.toString(), 'c3ltYmlvbnQta2V5');
  });

  it('keychain:SERVICE/ACCOUNT reads one item; the resolver opens an envelope with it', async () => {
    const [source] = createKeySources(['keychain:enclog-app/kek-2024']);
    const r = new KeyResolver([source], { deriver: inlineDeriver() });
    const [res] = await r.openFields([{ kind: 'envelope', path: [], data: sealEnvelope(Buffer.from('hi'), kek, 'kek-v1') }]);
    assert.ok(res.ok && res.plaintext.toString() === 'hi' && res.key.label === 'keychain:enclog-app/kek-2024');
  });

  it('a missing keychain item is not-found', async () => {
    await assert.rejects(new KeychainKeySource('enclog-none', undefined).load(), isCode('not-found', /service 'enclog-none'/));
    await assert.rejects(new KeychainKeySource('enclog-app', 'nobody').load(), isCode('not-found'));
  });

  it('keychain:SERVICE/USERNAME and keyring:SERVICE/USERNAME read a Rust-keyring item that keytar cannot see', async () => {
    execFileSync('secret-tool', ['store', '--label', 'Symbiont key', 'service', 'symbiont', 'username', 'secrets', 'target', 'default', 'application', 'rust-keyring'], {
      input: 'rust-keyring-key ',
    });
    assert.equal(await keytar.getPassword('symbiont', 'secrets'), null, 'keytar does not find Rust-keyring items');
    const [viaKeychain] = await new KeychainKeySource('symbiont', 'secrets').load();
    assert.equal(viaKeychain.material?.toString(), 'rust-keyring-key ');
    assert.equal(viaKeychain.info.label, 'keychain:symbiont/secrets');
    const [k] = await new KeyringKeySource('symbiont', 'secrets').load();
    assert.equal(k.material?.toString(), 'rust-keyring-key ', 'used as stored, not trimmed');
    assert.equal(k.info.label, 'keyring:symbiont/secrets');
    assert.equal(k.info.kind, 'symbiont');
    await assert.rejects(new KeyringKeySource('symbiont', 'other').load(), isCode('not-found', /username 'other'/));
  });

  it('rotation writes keytar-compatible items over D-Bus (keytar reads them) and deletes them, never via keytar', async () => {
    const absent = { getPassword: () => Promise.reject(new Error('keytar must not be used on Linux')) } as unknown as KeytarApi;
    const opts = { keytar: absent };
    await storeKeychainItem('keychain:enclog-store', 'enclog-store', 'v1', 'first value', opts);
    await storeKeychainItem('keychain:enclog-store', 'enclog-store', 'v1', 'second value', opts);
    assert.equal(await keytar.getPassword('enclog-store', 'v1'), 'second value', 'same attributes as keytar: replaced, and keytar finds it');
    execFileSync('secret-tool', ['store', '--label', 'rs', 'service', 'enclog-store', 'username', 'v1', 'target', 'default', 'application', 'rust-keyring'], { input: 'rust value' });
    const infos = await new KeychainKeySource('enclog-store', undefined, opts).list();
    assert.deepEqual(infos.map((i) => i.version).sort(), ['v1', 'v1 (rust-keyring)']);
    assert.equal(await deleteKeychainVersion('keychain:enclog-store', 'enclog-store', 'v1 (rust-keyring)', opts), true);
    assert.equal(await keytar.getPassword('enclog-store', 'v1'), 'second value', 'only the Rust-keyring item went');
    assert.equal(await deleteKeychainVersion('keychain:enclog-store', 'enclog-store', 'v1', opts), true);
    assert.equal(await keytar.getPassword('enclog-store', 'v1'), null);
    assert.equal(await deleteKeychainVersion('keychain:enclog-store', 'enclog-store', 'v1', opts), false);
  });

  it('no D-Bus session: a clear error at once, for keychain and keyring', async () => {
    for (const env of [{}, { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }]) {
      const t = Date.now();
      await assert.rejects(new KeychainKeySource('enclog-app', undefined, { env }).load(), isCode('unavailable', /D-Bus/));
      await assert.rejects(new KeyringKeySource('symbiont', 'secrets', { env }).load(), isCode('unavailable', /D-Bus/));
      assert.ok(Date.now() - t < 2000, `took ${Date.now() - t} ms`);
    }
  });

  it('a LOCKED collection gives a clear "locked" error, without crashing (child process, own keyring)', () => {
    const home = mkdtempSync(join(tmpdir(), 'enclog-locked-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, KEYRING_HOME: home };
      delete env.WITH_KEYRING_INNER;
      delete env.DBUS_SESSION_BUS_ADDRESS;
      const run = spawnSync('bash', ['scripts/with-keyring.sh', process.execPath, 'out/test/integration/support/locked-probe.js'], {
        cwd: root,
        env,
        encoding: 'utf8',
        timeout: 25000,
      });
      assert.equal(run.signal, null, `probe died by signal ${run.signal}: ${run.stderr}`);
      assert.equal(run.status, 0, run.stderr);
      const out = JSON.parse(run.stdout.trim().split('\n').pop() as string);
      assert.equal(out.before.code, 'ok');
      assert.equal(out.lockedNow, true);
      for (const name of ['keychain', 'keychainAccount', 'keychainRust', 'keyring', 'store']) {
        assert.equal(out[name].code, 'locked', `${name}: ${out[name].message}`);
        assert.match(out[name].message, /locked/);
        assert.ok(out[name].ms < 2000, `${name} took ${out[name].ms} ms`);
      }
      assert.equal(out.missing.code, 'locked', 'nothing can be said about a locked collection but that it is locked');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
