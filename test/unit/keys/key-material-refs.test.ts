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
    ]) {
      assert.equal(keyMaterialIn(ref), undefined, ref);
      assert.doesNotThrow(() => parseKeyRef(ref), ref);
    }
  });
});
