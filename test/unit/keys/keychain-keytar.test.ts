import assert from 'node:assert/strict';
import { KeychainKeySource } from '../../../src/core/keys/keychain-source';
import { KeyringKeySource } from '../../../src/core/keys/keyring-source';
import { deleteKeychainVersion, storeKeychainItem } from '../../../src/core/keys/keychain-store';
import type { KeytarApi } from '../../../src/core/keys/keytar-loader';
import { KeySourceError } from '../../../src/core/keys/types';

/** macOS/Windows: keytar reads the keychain (the Rust crate's macOS items are generic passwords keytar finds). */
function fakeKeytar(items: Record<string, string>, calls: string[] = []): KeytarApi {
  return {
    getPassword: async (s, a) => (calls.push(`get ${s}/${a}`), items[`${s}/${a}`] ?? null),
    setPassword: async (s, a, p) => void (calls.push(`set ${s}/${a}`), (items[`${s}/${a}`] = p)),
    deletePassword: async (s, a) => (calls.push(`delete ${s}/${a}`), delete items[`${s}/${a}`]),
    findCredentials: async (s) =>
      Object.entries(items)
        .filter(([k]) => k.startsWith(`${s}/`))
        .map(([k, password]) => ({ account: k.slice(s.length + 1), password })),
  };
}

describe('keychain source on macOS/Windows (keytar)', () => {
  for (const platform of ['darwin', 'win32'] as const) {
    it(`${platform}: keychain:SERVICE lists accounts as versions; SERVICE/ACCOUNT reads one; keyring: is an alias`, async () => {
      const keytar = fakeKeytar({ 'symbiont/secrets': 'c2VjcmV0cy1rZXk=', 'symbiont/secrets-v2': 'djIta2V5', 'other/x': 'eA==' });
      const all = await new KeychainKeySource('symbiont', undefined, { keytar, platform }).list();
      assert.deepEqual(all.map((i) => [i.version, i.role]), [['secrets', 'decrypt-only'], ['secrets-v2', 'primary']]);
      const [one] = await new KeychainKeySource('symbiont', 'secrets', { keytar, platform }).load();
      assert.equal(one.material?.toString(), 'c2VjcmV0cy1rZXk=');
      assert.equal(one.info.label, 'keychain:symbiont/secrets');
      const [alias] = await new KeyringKeySource('symbiont', 'secrets', { keytar, platform }).load();
      assert.equal(alias.info.label, 'keyring:symbiont/secrets');
    });
  }

  it('metadata: keytar cannot list without reading the passwords, and says so (readSecrets, for the audit)', async () => {
    const calls: string[] = [];
    const keytar = fakeKeytar({ 'svc/kek-a': 'c2VjcmV0', 'svc/kek-b': 'b3RoZXI=' }, calls);
    const m = await new KeychainKeySource('svc', undefined, { keytar, platform: 'darwin' }).metadata();
    assert.equal(m.readSecrets, true);
    assert.deepEqual(m.versions.map((v) => [v.label, v.role, v.kind]), [['keychain:svc@kek-a', 'decrypt-only', 'symbiont'], ['keychain:svc@kek-b', 'primary', 'symbiont']]);
    assert.ok(!JSON.stringify(m).includes('c2VjcmV0'), 'no value in the metadata');
  });

  it('a missing item is not-found, a failing keytar is unavailable: both KeySourceErrors', async () => {
    const keytar = fakeKeytar({});
    await assert.rejects(new KeychainKeySource('symbiont', 'secrets', { keytar, platform: 'darwin' }).load(), (e: unknown) => e instanceof KeySourceError && e.code === 'not-found');
    const broken = { ...keytar, getPassword: () => Promise.reject(new Error('boom')) };
    await assert.rejects(new KeychainKeySource('symbiont', 'secrets', { keytar: broken, platform: 'darwin' }).load(), (e: unknown) => e instanceof KeySourceError && e.code === 'unavailable' && /boom/.test(e.message));
  });

  it('a keychain that never answers is a timeout error within the deadline', async () => {
    const hanging = { ...fakeKeytar({}), getPassword: () => new Promise<string | null>(() => undefined) };
    const t = Date.now();
    await assert.rejects(new KeychainKeySource('s', 'a', { keytar: hanging, platform: 'darwin', timeoutMs: 100 }).load(), (e: unknown) => e instanceof KeySourceError && e.code === 'timeout');
    assert.ok(Date.now() - t < 1000);
  });

  it('rotation writes and deletes through keytar there', async () => {
    const calls: string[] = [];
    const items: Record<string, string> = {};
    const keytar = fakeKeytar(items, calls);
    await storeKeychainItem('keychain:app', 'app', 'v2', 'value', { keytar, platform: 'darwin' });
    assert.equal(items['app/v2'], 'value');
    assert.equal(await deleteKeychainVersion('keychain:app', 'app', 'v2', { keytar, platform: 'win32' }), true);
    assert.deepEqual(calls, ['set app/v2', 'delete app/v2']);
  });
});
