/**
 * Rotation's sidecar state: which key versions are retired or purged (by label, never material),
 * and which logs rotation has seen (the "known logs" the retire census covers). One JSON file,
 * `$ENCLOG_STATE_DIR/rotation-state.json`, else `$XDG_STATE_HOME/enclog/`, else
 * `~/.local/state/enclog/`; written atomically (tmp + fsync + rename), mode 0600.
 * Also the CLI's audit trail `audit.jsonl` beside it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, appendFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AuditEvent, AuditSink } from '../keys/types';

export interface RetiredRecord {
  sourceRef: string;
  version: string;
  at: string;
  /** What the source itself did (e.g. min_decryption_version=3). */
  effect: string;
  purged?: string;
}

export interface RotationState {
  version: 1;
  /** By version label (e.g. `vault-kv:secret/app@v2`). */
  retired: Record<string, RetiredRecord>;
  knownLogs: string[];
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ENCLOG_STATE_DIR) return env.ENCLOG_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'enclog');
  return join(env.HOME || homedir(), '.local', 'state', 'enclog');
}

export class StateStore {
  readonly path: string;
  readonly auditPath: string;

  constructor(readonly dir: string = stateDir()) {
    this.path = join(dir, 'rotation-state.json');
    this.auditPath = join(dir, 'audit.jsonl');
  }

  read(): RotationState {
    try {
      const s = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<RotationState>;
      return { version: 1, retired: s.retired ?? {}, knownLogs: Array.isArray(s.knownLogs) ? s.knownLogs : [] };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, retired: {}, knownLogs: [] };
      throw new Error(`cannot read the rotation state ${this.path}: ${(err as Error).message}`);
    }
  }

  write(state: RotationState): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // A new file under an unguessable name, never a followed symlink; every byte written.
    const tmp = `${this.path}.${randomBytes(8).toString('hex')}.tmp`;
    let fd: number | null = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      const data = Buffer.from(JSON.stringify(state, null, 2) + '\n');
      for (let off = 0; off < data.length; ) {
        const n = writeSync(fd, data, off);
        if (n <= 0) throw new Error(`${tmp}: short write`);
        off += n;
      }
      fsyncSync(fd);
      closeSync(fd);
      fd = null;
      renameSync(tmp, this.path);
    } catch (err) {
      if (fd !== null) closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  update(change: (s: RotationState) => void): RotationState {
    const s = this.read();
    change(s);
    this.write(s);
    return s;
  }

  /** Labels of retired (incl. purged) versions: fed to the sources so they list them as 'retired'. */
  retiredLabels(): Set<string> {
    return new Set(Object.keys(this.read().retired));
  }

  rememberLogs(paths: string[]): void {
    const abs = paths.map((p) => resolve(p));
    this.update((s) => {
      for (const p of abs) if (!s.knownLogs.includes(p)) s.knownLogs.push(p);
    });
  }

  appendAudit(event: AuditEvent): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    appendFileSync(this.auditPath, JSON.stringify(event) + '\n', { mode: 0o600 });
  }
}

/**
 * The retired labels of the state file for an Engine (`retired`), so every view shows the same
 * roles; an unreadable state file is an audit event and no version shown as retired.
 */
export function retiredLabelsOrNone(audit?: AuditSink, store: StateStore = new StateStore()): ReadonlySet<string> {
  try {
    return store.retiredLabels();
  } catch (err) {
    audit?.({ time: new Date().toISOString(), action: 'key-source-error', detail: `rotation state unreadable, no version shown as retired: ${(err as Error).message}` });
    return new Set();
  }
}
