import type { KeyVersionInfo } from '../model';
import { loadKeytar, type KeytarApi } from './keytar-loader';
import { lockedError } from './keychain-source';
import { SecretServiceClient } from './secret-service';
import { KeySourceError, type KeySource, type KeySourceOptions, type LoadedKey } from './types';
import { listedInfos, loadedKeys, valueVersion } from './value-key';

export interface KeyringOptions extends KeySourceOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  keytar?: KeytarApi;
  platform?: NodeJS.Platform;
}

/**
 * `keyring:SERVICE/USERNAME`: an item written by the Rust `keyring` crate (Symbiont's keychain
 * entry is `keyring:symbiont/secrets`). On Linux those items carry attributes service, username,
 * target and application, which keytar cannot find; they are read here straight from the Secret
 * Service over D-Bus (pure JS, looked up by service + username like the crate does), never
 * prompting: a locked item is a 'locked' error. On macOS the crate writes a generic password with
 * account = username, which keytar reads. The value is used as stored (not trimmed).
 */
export class KeyringKeySource implements KeySource {
  readonly ref: string;

  constructor(
    readonly service: string,
    readonly username: string,
    private readonly options: KeyringOptions = {},
  ) {
    this.ref = `keyring:${service}/${username}`;
  }

  async list(): Promise<KeyVersionInfo[]> {
    return listedInfos(await this.load());
  }

  async load(): Promise<LoadedKey[]> {
    const platform = this.options.platform ?? process.platform;
    if (platform === 'linux') return this.loadLinux();
    if (platform === 'darwin') return this.loadMac();
    throw new KeySourceError(this.ref, `Rust-keyring items are not supported on ${platform} yet; use keychain: or env: instead`, 'unavailable');
  }

  private async loadLinux(): Promise<LoadedKey[]> {
    const client = await SecretServiceClient.connect(this.ref, this.options);
    try {
      const items = await client.searchItems({ service: this.service, username: this.username });
      if (items.some((i) => i.locked)) throw lockedError(this.ref);
      if (items.length === 0) {
        const collection = await client.collectionForAlias('default');
        if (collection && (await client.isCollectionLocked(collection))) throw lockedError(this.ref);
        throw new KeySourceError(this.ref, `no keyring item with service '${this.service}' and username '${this.username}'`, 'not-found');
      }
      items.sort((a, b) => a.created - b.created || a.path.localeCompare(b.path));
      const secrets = await client.getSecrets(items);
      const values = items.map((item, i) => {
        const secret = secrets.get(item.path);
        if (!secret) throw new KeySourceError(this.ref, `the Secret Service returned no secret for ${item.path}`);
        const text = secret.toString('utf8');
        secret.fill(0);
        const version = items.length === 1 ? 'current' : `item${i + 1}`;
        return valueVersion(text, version, i + 1, item.createdTime ? { createdTime: item.createdTime } : {});
      });
      return loadedKeys(this.ref, values, { multiVersion: items.length > 1, retired: this.options.retired });
    } finally {
      client.close();
    }
  }

  private async loadMac(): Promise<LoadedKey[]> {
    const keytar = this.options.keytar ?? loadKeytar(this.ref);
    const password = await keytar.getPassword(this.service, this.username);
    if (password === null) throw new KeySourceError(this.ref, `no keychain item for service '${this.service}' account '${this.username}'`, 'not-found');
    return loadedKeys(this.ref, [valueVersion(password, 'current', 1)], { multiVersion: false, retired: this.options.retired });
  }
}
