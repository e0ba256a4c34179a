import assert from 'node:assert/strict';
import { KeyRefError, parseKeyRef } from '../../../src/core/keys/key-ref';

describe('keys/key-ref', () => {
  it('parses every scheme', () => {
    assert.deepEqual(parseKeyRef('env:SECRETS_ENCRYPTION_KEY'), { type: 'env', ref: 'env:SECRETS_ENCRYPTION_KEY', name: 'SECRETS_ENCRYPTION_KEY' });
    assert.deepEqual(parseKeyRef('file:/home/u/.symbi/master.key'), { type: 'file', ref: 'file:/home/u/.symbi/master.key', path: '/home/u/.symbi/master.key' });
    assert.deepEqual(parseKeyRef('keychain:symbiont'), { type: 'keychain', ref: 'keychain:symbiont', service: 'symbiont' });
    assert.deepEqual(parseKeyRef('keychain:app/acct/x'), { type: 'keychain', ref: 'keychain:app/acct/x', service: 'app', account: 'acct/x' });
    assert.deepEqual(parseKeyRef('keyring:symbiont/secrets'), { type: 'keyring', ref: 'keyring:symbiont/secrets', service: 'symbiont', username: 'secrets' });
    assert.deepEqual(parseKeyRef('vault-kv:secret/symbiont/logging/encryption_key'), {
      type: 'vault-kv', ref: 'vault-kv:secret/symbiont/logging/encryption_key', mount: 'secret', path: 'symbiont/logging/encryption_key', field: 'value',
    });
    assert.deepEqual(parseKeyRef('vault-kv:kv/app#kek'), { type: 'vault-kv', ref: 'vault-kv:kv/app#kek', mount: 'kv', path: 'app', field: 'kek' });
    assert.deepEqual(parseKeyRef('vault-transit:transit/logs'), { type: 'vault-transit', ref: 'vault-transit:transit/logs', mount: 'transit', name: 'logs' });
    assert.deepEqual(parseKeyRef('vault-transit:team/transit/logs'), { type: 'vault-transit', ref: 'vault-transit:team/transit/logs', mount: 'team/transit', name: 'logs' });
  });

  it('normalises: explicit #value, slashes, surrounding spaces', () => {
    assert.equal(parseKeyRef(' vault-kv:secret/app#value ').ref, 'vault-kv:secret/app');
    assert.equal(parseKeyRef('vault-kv:/secret/app/').ref, 'vault-kv:secret/app');
  });

  const bad: Array<[string, RegExp]> = [
    ['SECRETS_KEY', /invalid key ref \(not shown\): missing scheme; expected one of env:NAME/],
    ['env:', /nothing after 'env:'/],
    ['env:1BAD', /not an environment variable name/],
    ['env:A-B', /not an environment variable name/],
    ['keychain:/acct', /empty SERVICE/],
    ['keychain:svc/', /empty ACCOUNT/],
    ['keyring:symbiont', /keyring:SERVICE\/USERNAME/],
    ['keyring:/secrets', /keyring:SERVICE\/USERNAME/],
    ['vault-kv:secret', /vault-kv:MOUNT\/PATH/],
    ['vault-kv:secret/app#', /empty FIELD/],
    ['vault-kv:secret/../app', /bad path segment '..'/],
    ['vault-kv:secret//app', /bad path segment ''/],
    ['vault-transit:logs', /vault-transit:MOUNT\/NAME/],
    ['vault:secret/app', /unknown scheme 'vault'/],
  ];
  for (const [input, msg] of bad) {
    it(`rejects ${JSON.stringify(input)} clearly`, () => {
      // A ref with no known scheme may be a passphrase given by mistake: never repeated.
      const known = /^(env|file|keychain|keyring|vault-kv|vault-transit):/.test(input);
      assert.throws(() => parseKeyRef(input), (err: unknown) => err instanceof KeyRefError && msg.test(err.message) && err.message.includes(`'${input}'`) === known);
    });
  }
});
