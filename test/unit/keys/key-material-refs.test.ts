import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { keyMaterialIn, KeyRefError, parseKeyRef } from '../../../src/core/keys/key-ref';

/** Every way a key given by mistake as a ref may look: refused, and the message never repeats it. */
describe('keys/key-ref: a ref that is or holds key material', () => {
  const forms = (key: Buffer): string[] => [key.toString('base64'), key.toString('hex'), key.toString('base64url')];

  it('refuses KEK strings, file: and env: wrapping a key, bare keys; the error holds no part of the key', () => {
    let tried = 0;
    for (let n = 0; n < 50; n++) {
      const key = randomBytes(32);
      for (const text of forms(key)) {
        for (const ref of [`kek-v1:${text}`, `file:kek-v1:${text}`, `file:${text}`, `env:${text}`, text, `vault-kv:secret/${text}`, ` keychain:${text}`]) {
          tried++;
          assert.throws(() => parseKeyRef(ref), (err: unknown) => {
            assert.ok(err instanceof KeyRefError);
            for (const f of forms(key)) {
              assert.ok(!err.message.includes(f.slice(0, 12)), `message repeats the key: ${err.message}`);
              assert.ok(!err.input.includes(f.slice(0, 12)));
            }
            return true;
          });
        }
      }
    }
    assert.equal(tried, 50 * 3 * 7);
  });

  it('does not echo a ref with no known scheme at all (it may be a passphrase)', () => {
    assert.throws(() => parseKeyRef('correct horse battery staple'), (err: Error) => !err.message.includes('horse') && /missing scheme/.test(err.message));
    assert.throws(() => parseKeyRef('symbi:hunter2hunter2'), (err: Error) => !err.message.includes('hunter2') && /unknown scheme/.test(err.message));
    assert.throws(() => parseKeyRef('env:not a name'), (err: Error) => /not an environment variable name/.test(err.message) && !/not a name'/.test(err.message.replace("'env:not a name'", '')));
  });

  it('keeps ordinary locations: paths, Vault paths, keychain services', () => {
    for (const ref of [
      'file:/home/alice/Projects2024/LogsArchive/keys/kek.key',
      'file:./node_modules/.cache/enclog/ProductionKeyEncryptionKey.key',
      'vault-kv:secret/symbiont/logging/encryption_key',
      'vault-transit:team-a/transit/production-model-logs-2024',
      'keychain:com.example.symbiont.production/kek-v12',
      'keyring:symbiont/secrets',
      'env:SECRETS_ENCRYPTION_KEY_PRODUCTION_2024_EU_WEST',
      'vault-kv:secret/apps/3f2a9c1e-4b5d-4e6f-8a9b-0c1d2e3f4a5b/kek',
      'keychain:enclog/0c1d2e3f-4a5b-4e6f-8a9b-3f2a9c1e4b5d',
      'file:/var/folders/xy/4gq8tz3n1bn_8d7k9v0mhl2c0000gn/T/enclog-AbC123/kek.key',
      'file:C:/Users/JohnDoe/AppData/Local/Temp/enclog-X9fQ2a/kek.key',
      'keychain:ProductionKeyEncryptionKey2024Backup',
    ]) {
      assert.equal(keyMaterialIn(ref), undefined, ref);
      assert.doesNotThrow(() => parseKeyRef(ref), ref);
    }
  });
});
