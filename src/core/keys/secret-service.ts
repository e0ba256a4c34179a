import type { MessageBus } from 'dbus-next';
import { withDeadline } from './deadline';
import { KeySourceError } from './types';

/**
 * A small client of the freedesktop Secret Service D-Bus API (gnome-keyring, KeePassXC, KWallet's
 * bridge) over dbus-next, a pure-JS D-Bus implementation: no native code can crash the process, every
 * call has a deadline, and nothing here ever triggers an unlock prompt (a locked item is reported, not
 * opened). On Linux it is the whole keychain path: it reads and writes keytar-style and Rust-`keyring`
 * items alike, so keytar (a native module) is never needed there.
 */

const BUS_NAME = 'org.freedesktop.secrets';
const SERVICE_PATH = '/org/freedesktop/secrets';
const SERVICE_IFACE = 'org.freedesktop.Secret.Service';
const ITEM_IFACE = 'org.freedesktop.Secret.Item';
const COLLECTION_IFACE = 'org.freedesktop.Secret.Collection';
const PROPS_IFACE = 'org.freedesktop.DBus.Properties';

export const SECRET_SERVICE_TIMEOUT_MS = 1500;

export interface SecretItem {
  path: string;
  locked: boolean;
  attributes: Record<string, string>;
  label: string;
  /** ISO time from the item's Created property (unix seconds), when known. */
  createdTime?: string;
  created: number;
}

type DbusModule = typeof import('dbus-next');
let dbusModule: DbusModule | undefined;
/** Loaded on first use (bundled: pure JS; its optional native usocket/x11 requires are never reached). */
function dbus(): DbusModule {
  dbusModule ??= require('dbus-next') as DbusModule;
  return dbusModule;
}

/** dbus-next needs the optional native `usocket` for `unix:path=`/`unix:abstract=`; Node's net does both. */
export function normaliseBusAddress(address: string): string {
  return address
    .split(';')
    .map((entry) => {
      const m = /^unix:(.*)$/.exec(entry);
      if (!m) return entry;
      const params = new Map(m[1].split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      const unescape = (s: string): string => decodeURIComponent(s);
      if (params.has('path')) return `unix:socket=${unescape(params.get('path') as string)}`;
      if (params.has('abstract')) return `unix:socket=\u0000${unescape(params.get('abstract') as string)}`;
      return entry;
    })
    .join(';');
}

function toNumber(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  return 0;
}

export class SecretServiceClient {
  private sessionPath: string | undefined;

  private constructor(
    private readonly ref: string,
    private readonly bus: MessageBus,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Connects to the session bus and checks that a Secret Service answers. Fails fast with a clear
   * KeySourceError when there is no session bus, no service, or no answer within the deadline.
   */
  static async connect(ref: string, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<SecretServiceClient> {
    const env = opts.env ?? process.env;
    const timeoutMs = opts.timeoutMs ?? SECRET_SERVICE_TIMEOUT_MS;
    const address = env.DBUS_SESSION_BUS_ADDRESS;
    if (!address) {
      throw new KeySourceError(
        ref,
        'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set): the OS keychain (Secret Service) needs a desktop session; in CI run under scripts/with-keyring.sh',
        'unavailable',
      );
    }
    let bus: MessageBus;
    try {
      bus = dbus().sessionBus({ busAddress: normaliseBusAddress(address) });
    } catch (err) {
      throw new KeySourceError(ref, `cannot open the D-Bus session bus at ${address}: ${(err as Error).message}`, 'unavailable');
    }
    let lastError: Error | undefined;
    bus.on('error', (err: Error) => {
      lastError = err;
    });
    const connected = new Promise<void>((resolve, reject) => {
      bus.once('connect', () => resolve());
      bus.once('error', (err: Error) => reject(err));
    });
    try {
      await withDeadline(connected, timeoutMs, () => new Error('timed out'));
    } catch (err) {
      safeDisconnect(bus);
      const why = lastError?.message ?? (err as Error).message;
      throw new KeySourceError(ref, `cannot connect to the D-Bus session bus (${why})`, why === 'timed out' ? 'timeout' : 'unavailable');
    }
    const client = new SecretServiceClient(ref, bus, timeoutMs);
    try {
      await client.call(SERVICE_PATH, PROPS_IFACE, 'Get', 'ss', [SERVICE_IFACE, 'Collections']);
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  close(): void {
    safeDisconnect(this.bus);
  }

  private async call(path: string, iface: string, member: string, signature: string, body: unknown[]): Promise<unknown[]> {
    const { Message } = dbus();
    const msg = new Message({ destination: BUS_NAME, path, interface: iface, member, signature, body });
    try {
      const reply = await withDeadline(this.bus.call(msg), this.timeoutMs, () => new Error('timed out'));
      return (reply?.body ?? []) as unknown[];
    } catch (err) {
      const e = err as Error & { type?: string };
      if (e.message === 'timed out') {
        throw new KeySourceError(this.ref, `the Secret Service did not answer ${member} within ${this.timeoutMs} ms`, 'timeout');
      }
      if (e.type === 'org.freedesktop.DBus.Error.ServiceUnknown' || e.type === 'org.freedesktop.DBus.Error.Spawn.ChildExited') {
        throw new KeySourceError(this.ref, 'no Secret Service on the session bus (is gnome-keyring or another keychain running?)', 'unavailable');
      }
      if (e.type === 'org.freedesktop.Secret.Error.IsLocked') {
        throw new KeySourceError(this.ref, 'the keychain collection is locked; unlock it (e.g. log in to the desktop) and retry', 'locked');
      }
      throw new KeySourceError(this.ref, `Secret Service ${member} failed: ${e.type ? `${e.type}: ` : ''}${e.message}`, 'unavailable');
    }
  }

  private async property(path: string, iface: string, name: string): Promise<unknown> {
    const [variant] = await this.call(path, PROPS_IFACE, 'Get', 'ss', [iface, name]);
    return (variant as { value: unknown } | undefined)?.value;
  }

  /** Items whose attributes include `attributes`; locked ones are described but never unlocked. */
  async searchItems(attributes: Record<string, string>): Promise<SecretItem[]> {
    const [unlocked, locked] = (await this.call(SERVICE_PATH, SERVICE_IFACE, 'SearchItems', 'a{ss}', [attributes])) as [string[], string[]];
    const lockedSet = new Set(locked);
    return Promise.all([...unlocked, ...locked].map((path) => this.describe(path, lockedSet.has(path))));
  }

  private async describe(path: string, locked: boolean): Promise<SecretItem> {
    const [attrs, label, created] = await Promise.all([
      this.property(path, ITEM_IFACE, 'Attributes'),
      this.property(path, ITEM_IFACE, 'Label'),
      this.property(path, ITEM_IFACE, 'Created'),
    ]);
    const seconds = toNumber(created);
    const item: SecretItem = {
      path,
      locked,
      attributes: (attrs ?? {}) as Record<string, string>,
      label: typeof label === 'string' ? label : '',
      created: seconds,
    };
    if (seconds > 0) item.createdTime = new Date(seconds * 1000).toISOString();
    return item;
  }

  /** Secrets of unlocked items (plain transfer over the private session bus). Locked items are refused. */
  async getSecrets(items: SecretItem[]): Promise<Map<string, Buffer>> {
    if (items.some((i) => i.locked)) {
      throw new KeySourceError(this.ref, 'the keychain item is locked; unlock the collection (e.g. log in to the desktop) and retry', 'locked');
    }
    if (items.length === 0) return new Map();
    const session = await this.openSession();
    const [secrets] = (await this.call(SERVICE_PATH, SERVICE_IFACE, 'GetSecrets', 'aoo', [items.map((i) => i.path), session])) as [
      Record<string, [string, Buffer, Buffer, string]>,
    ];
    const out = new Map<string, Buffer>();
    for (const [path, secret] of Object.entries(secrets ?? {})) out.set(path, Buffer.from(secret[2]));
    return out;
  }

  private async openSession(): Promise<string> {
    if (this.sessionPath) return this.sessionPath;
    const { Variant } = dbus();
    const [, path] = (await this.call(SERVICE_PATH, SERVICE_IFACE, 'OpenSession', 'sv', ['plain', new Variant('s', '')])) as [unknown, string];
    this.sessionPath = path;
    return path;
  }

  /** Path of the collection behind an alias (`default` = login keyring), or null when unset. */
  async collectionForAlias(alias = 'default'): Promise<string | null> {
    const [path] = (await this.call(SERVICE_PATH, SERVICE_IFACE, 'ReadAlias', 's', [alias])) as [string];
    return path && path !== '/' ? path : null;
  }

  async isCollectionLocked(collectionPath: string): Promise<boolean> {
    return (await this.property(collectionPath, COLLECTION_IFACE, 'Locked')) === true;
  }

  /**
   * Creates (or, with the same attributes, replaces) an item in a collection. Never prompts: when the
   * Secret Service wants a prompt (a locked collection) this is a 'locked' error. Returns the item path.
   */
  async createItem(collectionPath: string, label: string, attributes: Record<string, string>, secret: Buffer): Promise<string> {
    const { Variant } = dbus();
    const session = await this.openSession();
    const properties = {
      'org.freedesktop.Secret.Item.Label': new Variant('s', label),
      'org.freedesktop.Secret.Item.Attributes': new Variant('a{ss}', attributes),
    };
    const [item, prompt] = (await this.call(collectionPath, COLLECTION_IFACE, 'CreateItem', 'a{sv}(oayays)b', [
      properties,
      [session, Buffer.alloc(0), secret, 'text/plain'],
      true,
    ])) as [string, string];
    if (prompt && prompt !== '/') throw new KeySourceError(this.ref, 'the keychain wants to prompt (is the collection locked?); unlock it and retry', 'locked');
    return item;
  }

  /** Deletes an item; a prompt (locked item) is a 'locked' error, never shown. */
  async deleteItem(itemPath: string): Promise<void> {
    const [prompt] = (await this.call(itemPath, ITEM_IFACE, 'Delete', '', [])) as [string];
    if (prompt && prompt !== '/') throw new KeySourceError(this.ref, 'the keychain wants to prompt (is the item locked?); unlock it and retry', 'locked');
  }

  /** Locks collections or items (Service.Lock); locking never prompts. Used by tests and "lock now" actions. */
  async lock(paths: string[]): Promise<string[]> {
    const [locked] = (await this.call(SERVICE_PATH, SERVICE_IFACE, 'Lock', 'ao', [paths])) as [string[]];
    return locked;
  }
}

function safeDisconnect(bus: MessageBus): void {
  try {
    bus.disconnect();
  } catch {
    // already closed
  }
}
