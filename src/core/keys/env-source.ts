import { KeySourceError, type KeySource, type KeySourceOptions, type LoadedKey } from './types';
import type { KeyVersionInfo } from '../model';
import { listedInfos, loadedKeys, valueVersion } from './value-key';

/**
 * `env:NAME`: one key, the variable's value raw and untrimmed (as Symbiont reads SYMBIONT_LOGGING_KEY).
 * A name ending in `_PREVIOUS` (Everruns' SECRETS_ENCRYPTION_KEY_PREVIOUS) is decrypt-only.
 */
export class EnvKeySource implements KeySource {
  readonly ref: string;

  constructor(
    readonly name: string,
    private readonly options: KeySourceOptions & { env?: NodeJS.ProcessEnv } = {},
  ) {
    this.ref = `env:${name}`;
  }

  async list(): Promise<KeyVersionInfo[]> {
    return listedInfos(await this.load());
  }

  async load(): Promise<LoadedKey[]> {
    const value = (this.options.env ?? process.env)[this.name];
    if (value === undefined) throw new KeySourceError(this.ref, `environment variable ${this.name} is not set`, 'not-found');
    if (value === '') throw new KeySourceError(this.ref, `environment variable ${this.name} is empty`, 'invalid');
    const v = valueVersion(value, undefined, 1, { decryptOnly: this.name.endsWith('_PREVIOUS') });
    return loadedKeys(this.ref, [v], { multiVersion: false, retired: this.options.retired });
  }
}
