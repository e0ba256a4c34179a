import type { KeyVersionInfo } from '../model';
import { withDeadline } from './deadline';
import { loadKeytar, type KeytarApi } from './keytar-loader';
import { SECRET_SERVICE_TIMEOUT_MS, SecretServiceClient, type SecretItem } from './secret-service';
import { KeySourceError, type KeySource, type KeySourceOptions, type LoadedKey } from './types';
import { listedInfos, loadedKeys, valueVersion, type ValueVersion } from './value-key';
import { metadataOf, metaOf, unreadDraft, type SourceMetadata } from './metadata';

export interface KeychainOptions extends KeySourceOptions {
  env?: NodeJS.ProcessEnv;
  /** Deadline of each Secret Service call (the whole read gets 500 ms more). */
  timeoutMs?: number;
  /** For tests on macOS/Windows code paths: a keytar stand-in. Never used on Linux. */
  keytar?: KeytarApi;
  platform?: NodeJS.Platform;
}

/** Which library wrote a Secret Service item, told by its attributes. */
export type KeychainWriter = 'keytar' | 'rust-keyring';

export interface KeychainItem {
  /** keytar's account or the Rust keyring crate's username. */
  name: string;
  writer: KeychainWriter;
  item: SecretItem;
}

/** Version label of a Rust-keyring item whose username is also a keytar account of the same service. */
export const RUST_KEYRING_SUFFIX = ' (rust-keyring)';

/**
 * `keychain:SERVICE[/ACCOUNT]` (and its alias `keyring:SERVICE/USERNAME`): an item in the OS keychain,
 * whichever library wrote it. keytar stores attributes service + account, the Rust `keyring` crate
 * (Symbiont) service + username (+ target, application); both are matched, so
 * `keychain:symbiont/secrets` finds Symbiont's own key. Without ACCOUNT every account/username of the
 * service is a version, oldest first by creation time.
 *
 * On Linux everything goes over the Secret Service D-Bus API in pure JS (secret-service.ts): keytar
 * is never loaded there, a locked item or collection is a 'locked' error (never an unlock prompt, never
 * a native crash), and the whole read is bounded in time. On macOS and Windows keytar reads the
 * keychain (the Rust crate's macOS items are generic passwords with account = username, which keytar
 * finds the same way).
 */
export class KeychainKeySource implements KeySource {
  readonly ref: string;

  constructor(
    readonly service: string,
    readonly account: string | undefined,
    private readonly options: KeychainOptions = {},
    ref?: string,
  ) {
    this.ref = ref ?? (account === undefined ? `keychain:${service}` : `keychain:${service}/${account}`);
  }

  async list(): Promise<KeyVersionInfo[]> {
    return listedInfos(await this.load());
  }

  /**
   * Linux: the items' attributes and Created times over the Secret Service (no secret is read, so a
   * locked item is listed too). keytar (macOS, Windows) cannot list without reading the passwords: they
   * are read, zero-filled at once, and `readSecrets` says so.
   */
  async metadata(): Promise<SourceMetadata> {
    if (this.platform !== 'linux') return { versions: (await this.list()).map((info) => metaOf(info)), readSecrets: true };
    const found = await this.withDeadline(this.withItems(async (items) => items));
    const labels = versionLabels(found);
    const drafts = found.map((f, i) => unreadDraft(labels[i]!, i + 1, f.item.createdTime ? { createdTime: f.item.createdTime } : {}));
    return { versions: metadataOf(this.ref, drafts, { multiVersion: this.multiVersion(found.length), retired: this.options.retired }), readSecrets: false };
  }

  async load(): Promise<LoadedKey[]> {
    const values = await this.withDeadline(this.platform === 'linux' ? this.readSecretService() : this.readKeytar());
    return loadedKeys(this.ref, values, { multiVersion: this.multiVersion(values.length), retired: this.options.retired });
  }

  private get platform(): NodeJS.Platform {
    return this.options.platform ?? process.platform;
  }

  private multiVersion(count: number): boolean {
    return this.account === undefined || count > 1;
  }

  private withDeadline<T>(work: Promise<T>): Promise<T> {
    const deadline = (this.options.timeoutMs ?? SECRET_SERVICE_TIMEOUT_MS) + 500;
    return withDeadline(work, deadline, () => new KeySourceError(this.ref, `the keychain did not answer within ${deadline} ms`, 'timeout'));
  }

  /** The service's items (at least one, else not-found / locked), with the client still open. */
  private async withItems<T>(use: (found: KeychainItem[], client: SecretServiceClient) => Promise<T>): Promise<T> {
    const client = await SecretServiceClient.connect(this.ref, this.options);
    try {
      const found = await findKeychainItems(client, this.service, this.account);
      if (found.length === 0) {
        const collection = await client.collectionForAlias('default');
        if (collection && (await client.isCollectionLocked(collection))) throw lockedError(this.ref);
        throw new KeySourceError(this.ref, `no keychain item for ${describe(this.service, this.account)} (looked for keytar and Rust-keyring items)`, 'not-found');
      }
      return await use(found, client);
    } finally {
      client.close();
    }
  }

  private readSecretService(): Promise<ValueVersion[]> {
    return this.withItems(async (found, client) => {
      if (found.some((f) => f.item.locked)) throw lockedError(this.ref);
      const secrets = await client.getSecrets(found.map((f) => f.item));
      const labels = versionLabels(found);
      return found.map((f, i) => {
        const secret = secrets.get(f.item.path);
        if (!secret) throw new KeySourceError(this.ref, `the Secret Service returned no secret for ${f.item.path}`);
        const text = secret.toString('utf8');
        secret.fill(0);
        return valueVersion(text, labels[i], i + 1, f.item.createdTime ? { createdTime: f.item.createdTime } : {});
      });
    });
  }

  private async readKeytar(): Promise<ValueVersion[]> {
    const keytar = this.options.keytar ?? loadKeytar(this.ref);
    const found = async (): Promise<Array<{ account: string; password: string }>> => {
      if (this.account === undefined) return [...(await keytar.findCredentials(this.service))].sort((a, b) => a.account.localeCompare(b.account));
      const password = await keytar.getPassword(this.service, this.account);
      return password === null ? [] : [{ account: this.account, password }];
    };
    const creds = await found().catch((err: unknown) => {
      throw new KeySourceError(this.ref, `keychain read failed: ${(err as Error).message}`, 'unavailable');
    });
    if (creds.length === 0) throw new KeySourceError(this.ref, `no keychain item for ${describe(this.service, this.account)}`, 'not-found');
    return creds.map((c, i) => valueVersion(c.password, c.account, i + 1));
  }
}

/**
 * Items of `service` written by keytar (attribute account) or the Rust keyring crate (attribute
 * username), restricted to one account/username when `name` is given; for each writer and name the
 * newest item only (what a lookup by those attributes returns). Oldest first.
 */
export async function findKeychainItems(client: SecretServiceClient, service: string, name?: string): Promise<KeychainItem[]> {
  const queries: Array<Record<string, string>> = name === undefined ? [{ service }] : [{ service, account: name }, { service, username: name }];
  const byPath = new Map<string, SecretItem>();
  for (const q of queries) for (const item of await client.searchItems(q)) byPath.set(item.path, item);
  const newest = new Map<string, KeychainItem>();
  for (const item of byPath.values()) {
    const a = item.attributes;
    const writer: KeychainWriter | undefined = a.account !== undefined ? 'keytar' : a.username !== undefined ? 'rust-keyring' : undefined;
    if (!writer) continue;
    const itemName = writer === 'keytar' ? a.account : a.username;
    if (name !== undefined && itemName !== name) continue;
    const key = `${writer}\u0000${itemName}`;
    const prev = newest.get(key);
    if (!prev || item.created > prev.item.created) newest.set(key, { name: itemName, writer, item });
  }
  return [...newest.values()].sort((a, b) => a.item.created - b.item.created || a.name.localeCompare(b.name) || a.writer.localeCompare(b.writer));
}

/** Account/username as the version label; a Rust-keyring item sharing its name with a keytar item is suffixed. */
export function versionLabels(items: KeychainItem[]): string[] {
  const keytarNames = new Set(items.filter((i) => i.writer === 'keytar').map((i) => i.name));
  return items.map((i) => (i.writer === 'rust-keyring' && keytarNames.has(i.name) ? `${i.name}${RUST_KEYRING_SUFFIX}` : i.name));
}

function describe(service: string, account?: string): string {
  return account === undefined ? `service '${service}'` : `service '${service}' account/username '${account}'`;
}

export function lockedError(ref: string): KeySourceError {
  return new KeySourceError(ref, 'the keychain collection is locked; unlock it (e.g. log in to the desktop or unlock the keyring) and retry', 'locked');
}
