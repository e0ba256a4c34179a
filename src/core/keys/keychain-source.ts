import type { KeyVersionInfo } from '../model';
import { withDeadline } from './deadline';
import { loadKeytar, type KeytarApi } from './keytar-loader';
import { SecretServiceClient, type SecretItem } from './secret-service';
import { KeySourceError, type KeySource, type KeySourceOptions, type LoadedKey } from './types';
import { listedInfos, loadedKeys, valueVersion, type ValueVersion } from './value-key';

export interface KeychainOptions extends KeySourceOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** For tests: a keytar stand-in. */
  keytar?: KeytarApi;
  platform?: NodeJS.Platform;
}

interface Account {
  account: string;
  createdTime?: string;
  created: number;
}

/**
 * `keychain:SERVICE[/ACCOUNT]`: items written by keytar (attributes service + account). Without an
 * account every account of the service is a version, oldest first by creation time.
 *
 * On Linux keytar is only called after a Secret Service probe over D-Bus (pure JS) has shown that
 * the session bus exists and the matching items are unlocked: on a locked collection keytar's
 * getPassword returns null and findCredentials can crash the process, so a locked state is
 * reported as a 'locked' KeySourceError and keytar is never reached.
 */
export class KeychainKeySource implements KeySource {
  readonly ref: string;

  constructor(
    readonly service: string,
    readonly account: string | undefined,
    private readonly options: KeychainOptions = {},
  ) {
    this.ref = account === undefined ? `keychain:${service}` : `keychain:${service}/${account}`;
  }

  async list(): Promise<KeyVersionInfo[]> {
    return listedInfos(await this.load());
  }

  async load(): Promise<LoadedKey[]> {
    const platform = this.options.platform ?? process.platform;
    const accounts = platform === 'linux' ? await this.probeLinux() : await this.accountsElsewhere();
    const timeoutMs = this.options.timeoutMs ?? 2000;
    const keytar = this.options.keytar ?? loadKeytar(this.ref);
    const values: ValueVersion[] = [];
    for (const [i, a] of accounts.entries()) {
      const password = await withDeadline(
        keytar.getPassword(this.service, a.account),
        timeoutMs,
        () => new KeySourceError(this.ref, `the keychain did not answer within ${timeoutMs} ms`, 'timeout'),
      ).catch((err: unknown) => {
        if (err instanceof KeySourceError) throw err;
        throw new KeySourceError(this.ref, `keychain read failed: ${(err as Error).message}`);
      });
      if (password === null) {
        throw new KeySourceError(this.ref, `no password for account '${a.account}' (the keychain may be locked)`, 'locked');
      }
      values.push(valueVersion(password, a.account, i + 1, a.createdTime ? { createdTime: a.createdTime } : {}));
    }
    return loadedKeys(this.ref, values, { multiVersion: this.account === undefined, retired: this.options.retired });
  }

  private async probeLinux(): Promise<Account[]> {
    const client = await SecretServiceClient.connect(this.ref, this.options);
    try {
      const query: Record<string, string> = { service: this.service };
      if (this.account !== undefined) query.account = this.account;
      const items = (await client.searchItems(query)).filter((i) => i.attributes.account !== undefined);
      if (items.some((i) => i.locked)) throw lockedError(this.ref);
      if (items.length === 0) {
        const collection = await client.collectionForAlias('default');
        if (collection && (await client.isCollectionLocked(collection))) throw lockedError(this.ref);
        throw new KeySourceError(this.ref, `no keychain item for ${describe(this.service, this.account)}`, 'not-found');
      }
      return accountsOf(items);
    } finally {
      client.close();
    }
  }

  private async accountsElsewhere(): Promise<Account[]> {
    if (this.account !== undefined) return [{ account: this.account, created: 0 }];
    const keytar = this.options.keytar ?? loadKeytar(this.ref);
    const creds = await keytar.findCredentials(this.service);
    if (creds.length === 0) throw new KeySourceError(this.ref, `no keychain item for ${describe(this.service)}`, 'not-found');
    return creds.map((c) => ({ account: c.account, created: 0 })).sort((a, b) => a.account.localeCompare(b.account));
  }
}

function accountsOf(items: SecretItem[]): Account[] {
  const byAccount = new Map<string, Account>();
  for (const i of items) {
    const account = i.attributes.account;
    const prev = byAccount.get(account);
    if (!prev || i.created > prev.created) {
      const a: Account = { account, created: i.created };
      if (i.createdTime) a.createdTime = i.createdTime;
      byAccount.set(account, a);
    }
  }
  return [...byAccount.values()].sort((a, b) => a.created - b.created || a.account.localeCompare(b.account));
}

function describe(service: string, account?: string): string {
  return account === undefined ? `service '${service}'` : `service '${service}' account '${account}'`;
}

export function lockedError(ref: string): KeySourceError {
  return new KeySourceError(ref, 'the keychain collection is locked; unlock it (e.g. log in to the desktop or unlock the keyring) and retry', 'locked');
}
