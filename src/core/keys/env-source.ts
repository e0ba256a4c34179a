import { KeySourceError, type KeySource, type KeySourceOptions, type LoadedKey } from './types';
import type { KeyVersionInfo } from '../model';
import { listedInfos, loadedKeys, valueVersion } from './value-key';
import { metadataOf, unreadDraft, UNREAD_VERSION, type SourceMetadata } from './metadata';

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

  /** Presence only: the value is not copied or parsed. */
  async metadata(): Promise<SourceMetadata> {
    this.value();
    const drafts = [unreadDraft(UNREAD_VERSION, 1, { decryptOnly: this.decryptOnly })];
    return { versions: metadataOf(this.ref, drafts, { multiVersion: false, retired: this.options.retired }), readSecrets: false };
  }

  private get decryptOnly(): boolean {
    return this.name.endsWith('_PREVIOUS');
  }

  private value(): string {
    const value = (this.options.env ?? process.env)[this.name];
    if (value === undefined) throw new KeySourceError(this.ref, `environment variable ${this.name} is not set`, 'not-found');
    if (value === '') throw new KeySourceError(this.ref, `environment variable ${this.name} is empty`, 'invalid');
    return value;
  }

  async load(): Promise<LoadedKey[]> {
    const v = valueVersion(this.value(), undefined, 1, { decryptOnly: this.decryptOnly });
    return loadedKeys(this.ref, [v], { multiVersion: false, retired: this.options.retired });
  }
}
