import { promises as fs, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import type { KeyVersionInfo } from '../model';
import { metadataOf, unreadDraft, UNREAD_VERSION, type SourceMetadata } from './metadata';
import { KeySourceError, type KeySource, type KeySourceOptions, type LoadedKey } from './types';
import { listedInfos, loadedKeys, valueVersion } from './value-key';

/**
 * `file:PATH`: one key, the file's contents trimmed. Like Symbiont, refuses a file that group or
 * others may access in any way (POSIX only).
 */
export class FileKeySource implements KeySource {
  readonly ref: string;
  readonly path: string;

  constructor(
    path: string,
    private readonly options: KeySourceOptions = {},
  ) {
    this.ref = `file:${path}`;
    this.path = path.startsWith('~/') ? homedir() + path.slice(1) : path;
  }

  async list(): Promise<KeyVersionInfo[]> {
    return listedInfos(await this.load());
  }

  /** From stat alone: a key file that cannot be read (or is too open to be used) still has an age. */
  async metadata(): Promise<SourceMetadata> {
    const st = await this.stat();
    const drafts = [unreadDraft(UNREAD_VERSION, 1)];
    return { versions: metadataOf(this.ref, drafts, { multiVersion: false, retired: this.options.retired, modifiedTime: st.mtime.toISOString() }), readSecrets: false };
  }

  private async stat(): Promise<Stats> {
    try {
      const st = await fs.stat(this.path);
      if (!st.isFile()) throw new KeySourceError(this.ref, `${this.path} is not a regular file`, 'invalid');
      return st;
    } catch (err) {
      throw this.readError(err);
    }
  }

  private readError(err: unknown): KeySourceError {
    if (err instanceof KeySourceError) return err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return new KeySourceError(this.ref, `key file ${this.path} does not exist`, 'not-found');
    if (code === 'EACCES') return new KeySourceError(this.ref, `key file ${this.path} is not readable`, 'denied');
    return new KeySourceError(this.ref, `cannot read key file ${this.path}: ${(err as Error).message}`);
  }

  async load(): Promise<LoadedKey[]> {
    let text: string;
    const st = await this.stat();
    try {
      if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
        const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
        throw new KeySourceError(
          this.ref,
          `refusing key file ${this.path}: mode ${mode} lets group/other access it; run chmod 600 ${this.path}`,
          'invalid',
        );
      }
      text = await fs.readFile(this.path, 'utf8');
    } catch (err) {
      throw this.readError(err);
    }
    const value = text.trim();
    if (!value) throw new KeySourceError(this.ref, `key file ${this.path} is empty`, 'invalid');
    const keys = loadedKeys(this.ref, [valueVersion(value, undefined, 1)], { multiVersion: false, retired: this.options.retired });
    for (const k of keys) k.info.modifiedTime = st.mtime.toISOString();
    return keys;
  }
}
