import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import type { KeyVersionInfo } from '../model';
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

  async load(): Promise<LoadedKey[]> {
    let text: string;
    try {
      const st = await fs.stat(this.path);
      if (!st.isFile()) throw new KeySourceError(this.ref, `${this.path} is not a regular file`, 'invalid');
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
      if (err instanceof KeySourceError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new KeySourceError(this.ref, `key file ${this.path} does not exist`, 'not-found');
      if (code === 'EACCES') throw new KeySourceError(this.ref, `key file ${this.path} is not readable`, 'denied');
      throw new KeySourceError(this.ref, `cannot read key file ${this.path}: ${(err as Error).message}`);
    }
    const value = text.trim();
    if (!value) throw new KeySourceError(this.ref, `key file ${this.path} is empty`, 'invalid');
    return loadedKeys(this.ref, [valueVersion(value, undefined, 1)], { multiVersion: false, retired: this.options.retired });
  }
}
