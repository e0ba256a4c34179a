/**
 * Run in its own keyring (scripts/with-keyring.sh): stores a keytar item and a Rust-keyring item,
 * locks the login collection through the Secret Service D-Bus API, then asks both sources for keys.
 * Prints one JSON line; the parent test checks it and that this process exited normally (keytar
 * must never be reached on a locked collection: it can segfault there).
 */
import { execFileSync } from 'node:child_process';
import { KeychainKeySource } from '../../../src/core/keys/keychain-source';
import { KeyringKeySource } from '../../../src/core/keys/keyring-source';
import { storeKeychainItem } from '../../../src/core/keys/keychain-store';
import { SecretServiceClient } from '../../../src/core/keys/secret-service';
import { KeySourceError } from '../../../src/core/keys/types';

async function outcome(p: Promise<unknown>): Promise<{ code: string; message: string; ms: number }> {
  const t = Date.now();
  try {
    await p;
    return { code: 'ok', message: '', ms: Date.now() - t };
  } catch (e) {
    return { code: e instanceof KeySourceError ? e.code : 'other', message: (e as Error).message, ms: Date.now() - t };
  }
}

async function main(): Promise<void> {
  const keytar = require('keytar') as { setPassword(s: string, a: string, p: string): Promise<void> };
  await keytar.setPassword('enclog-locked', 'acct', 'value-1');
  execFileSync('secret-tool', ['store', '--label', 'L', 'service', 'symbiont', 'username', 'secrets', 'target', 'default', 'application', 'rust-keyring'], { input: 'sym-key' });

  const before = await outcome(new KeychainKeySource('enclog-locked', undefined).load());
  const client = await SecretServiceClient.connect('probe');
  const collection = await client.collectionForAlias('default');
  if (!collection) throw new Error('no default collection');
  await client.lock([collection]);
  const lockedNow = await client.isCollectionLocked(collection);
  client.close();

  const keychain = await outcome(new KeychainKeySource('enclog-locked', undefined).load());
  const keychainAccount = await outcome(new KeychainKeySource('enclog-locked', 'acct').load());
  const keychainRust = await outcome(new KeychainKeySource('symbiont', 'secrets').load());
  const keyring = await outcome(new KeyringKeySource('symbiont', 'secrets').load());
  const store = await outcome(storeKeychainItem('keychain:enclog-locked', 'enclog-locked', 'acct-2', 'value-2'));
  const missing = await outcome(new KeyringKeySource('nothing', 'here').load());
  process.stdout.write(`${JSON.stringify({ before, lockedNow, keychain, keychainAccount, keychainRust, keyring, store, missing })}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(3);
  },
);
