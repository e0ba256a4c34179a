import { findKeychainItems, lockedError, RUST_KEYRING_SUFFIX, type KeychainOptions } from './keychain-source';
import { loadKeytar } from './keytar-loader';
import { SecretServiceClient } from './secret-service';
import { KeySourceError } from './types';

/**
 * Writes to the OS keychain for rotation. On Linux over the Secret Service in pure JS, storing the
 * very item keytar's setPassword would (attributes service + account + keytar's schema, label
 * `service/account`, replacing an item with the same attributes); elsewhere through keytar.
 */

const KEYTAR_SCHEMA = 'org.freedesktop.Secret.Generic';

function onLinux(opts: KeychainOptions): boolean {
  return (opts.platform ?? process.platform) === 'linux';
}

async function withClient<T>(ref: string, opts: KeychainOptions, work: (c: SecretServiceClient) => Promise<T>): Promise<T> {
  const client = await SecretServiceClient.connect(ref, opts);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

export async function storeKeychainItem(ref: string, service: string, account: string, value: string, opts: KeychainOptions = {}): Promise<void> {
  if (!onLinux(opts)) {
    await (opts.keytar ?? loadKeytar(ref)).setPassword(service, account, value);
    return;
  }
  await withClient(ref, opts, async (client) => {
    const collection = await client.collectionForAlias('default');
    if (!collection) throw new KeySourceError(ref, 'the keychain has no default collection (create a login keyring first)', 'unavailable');
    if (await client.isCollectionLocked(collection)) throw lockedError(ref);
    const secret = Buffer.from(value, 'utf8');
    try {
      await client.createItem(collection, `${service}/${account}`, { service, account, 'xdg:schema': KEYTAR_SCHEMA }, secret);
    } finally {
      secret.fill(0);
    }
  });
}

/**
 * Deletes every item behind one version of `keychain:SERVICE` (its label as listed: a keytar account,
 * a Rust-keyring username, or `NAME (rust-keyring)`). Returns false when there was none.
 */
export async function deleteKeychainVersion(ref: string, service: string, version: string, opts: KeychainOptions = {}): Promise<boolean> {
  if (!onLinux(opts)) return (opts.keytar ?? loadKeytar(ref)).deletePassword(service, version);
  return withClient(ref, opts, async (client) => {
    const rust = version.endsWith(RUST_KEYRING_SUFFIX);
    const name = rust ? version.slice(0, -RUST_KEYRING_SUFFIX.length) : version;
    const found = await findKeychainItems(client, service, name);
    const writer = rust || !found.some((f) => f.writer === 'keytar') ? 'rust-keyring' : 'keytar';
    const query: Record<string, string> = writer === 'keytar' ? { service, account: name } : { service, username: name };
    const items = (await client.searchItems(query)).filter((i) => writer === 'keytar' || i.attributes.account === undefined);
    if (items.some((i) => i.locked)) throw lockedError(ref);
    for (const item of items) await client.deleteItem(item.path);
    return items.length > 0;
  });
}
