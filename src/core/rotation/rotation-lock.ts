/**
 * One rotation at a time per log: a lock file `FILE.rotate-lock` created O_CREAT|O_EXCL|O_NOFOLLOW,
 * holding the owner's pid, host and process start time. A second run fails at once with
 * "rotation in progress (pid N)". Node has no flock(2), so a lock left by a killed run is detected
 * as stale (same host, and that pid is gone or is a different process by its start time) and broken
 * safely: under a breaker mutex (`FILE.rotate-lock.breaking`, O_EXCL), only if the path still holds the
 * inode judged stale (see breakStale). The holder
 * re-checks that the lock is still its own just before it switches the log (`assertHeld`).
 */
import { readFileSync } from 'node:fs';
import { constants, promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { checkOwnFile, createPrivate, openNoFollow, privateName, sameFile, writeAll } from './safe-fs';
import { RotationError } from './rewriters';

interface LockInfo {
  pid: number;
  host: string;
  /** Process start time (Linux /proc/PID/stat field 22), to tell a reused pid apart. */
  start: string | null;
  at: string;
}

export class RotationInProgressError extends RotationError {
  constructor(readonly log: string, readonly holder: LockInfo | null, lockPath: string) {
    super(
      holder
        ? `rotation in progress (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}, since ${holder.at}) on ${log}; if no such run exists, remove ${lockPath}`
        : `rotation in progress on ${log} (lock ${lockPath} is being taken or is unreadable); if no run exists, remove ${lockPath}`,
      'rotation-in-progress',
    );
    this.name = 'RotationInProgressError';
  }
}

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true; // cannot tell: treat as live
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const start = processStart(info.pid);
  return !(info.start && start && start !== info.start);
}

/** How often, and how far apart, a lock file that cannot be read yet is looked at again before it is reported. */
const UNREADABLE_RETRIES = 10;
const UNREADABLE_RETRY_MS = 25;

export class RotationLock {
  private constructor(readonly path: string, private readonly id: { dev: number; ino: number }) {}

  static lockPath(log: string): string {
    return `${log}.rotate-lock`;
  }

  /** Takes the lock of `log` or throws RotationInProgressError. */
  static async acquire(log: string): Promise<RotationLock> {
    const path = RotationLock.lockPath(log);
    const info: LockInfo = { pid: process.pid, host: hostname(), start: processStart(process.pid), at: new Date().toISOString() };
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const fh = await createPrivate(path);
        try {
          await writeAll(fh, Buffer.from(JSON.stringify(info)), path);
          await fh.sync();
          const st = await fh.stat();
          return new RotationLock(path, { dev: st.dev, ino: st.ino });
        } catch (err) {
          await fsp.rm(path, { force: true });
          throw err;
        } finally {
          await fh.close();
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = await readLock(path);
      if (held === 'gone') continue;
      // Created but not yet filled: the holder writes and fsyncs it right away, so look again shortly to name
      // it; a lock that stays unreadable (garbage) is still reported, never judged stale.
      if (held === null && attempt < UNREADABLE_RETRIES) {
        await new Promise((r) => setTimeout(r, UNREADABLE_RETRY_MS));
        continue;
      }
      if (held === null || alive(held.info)) throw new RotationInProgressError(log, held?.info ?? null, path);
      await breakStale(log, path, held.id);
    }
    throw new RotationInProgressError(log, null, path);
  }

  /** Throws unless the lock file is still this run's (it must be, before the log is switched). */
  async assertHeld(): Promise<void> {
    const st = await fsp.lstat(this.path).catch(() => null);
    if (!sameFile(st, this.id)) throw new RotationError(`lost the rotation lock ${this.path} (removed or taken by another run); nothing was switched`, 'lock-lost');
  }

  async release(): Promise<void> {
    const st = await fsp.lstat(this.path).catch(() => null);
    if (sameFile(st, this.id)) await fsp.rm(this.path, { force: true });
  }
}

async function readLock(path: string): Promise<{ info: LockInfo; id: { dev: number; ino: number } } | null | 'gone'> {
  let fh;
  try {
    fh = await openNoFollow(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new RotationError(`${path} is a symbolic link: refusing to use it as the rotation lock; remove it`);
    throw err;
  }
  try {
    const st = await checkOwnFile(fh, path);
    const text = await fh.readFile('utf8');
    try {
      const info = JSON.parse(text) as LockInfo;
      if (!Number.isInteger(info.pid) || typeof info.host !== 'string') return null;
      return { info, id: { dev: st.dev, ino: st.ino } };
    } catch {
      // being written right now (created, not yet filled), or garbage: not judged stale
      return null;
    }
  } finally {
    await fh.close();
  }
}

/** Held (O_EXCL) while a stale lock is judged and removed; a breaker holds it for milliseconds. */
const breakerPath = (lockPath: string): string => `${lockPath}.breaking`;
const DEAD_BREAKER_MS = 10_000;

/**
 * Removes the stale lock `stale` unless it was replaced meanwhile. Only the holder of the breaker
 * mutex removes a lock, and a new lock is only ever created where none is, so while we hold the
 * mutex the path cannot change from the stale inode to a live one between our check and the unlink.
 * (Renaming the lock aside without the mutex let a slow breaker move a live lock taken meanwhile.)
 */
async function breakStale(log: string, path: string, stale: { dev: number; ino: number }): Promise<void> {
  const mutex = breakerPath(path);
  let fh;
  try {
    fh = await createPrivate(mutex);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await clearDeadBreaker(log, mutex);
    await new Promise((r) => setTimeout(r, 10 + Math.floor(Math.random() * 20)));
    return; // the caller reads the lock again
  }
  const ours = await fh.stat();
  try {
    if (sameFile(await fsp.lstat(path).catch(() => null), stale)) await fsp.unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  } finally {
    await fh.close();
    if (sameFile(await fsp.lstat(mutex).catch(() => null), ours)) await fsp.rm(mutex, { force: true });
  }
}

/** A breaker mutex older than any break can take was left by a killed run: move it aside, keep it only if it was replaced. */
async function clearDeadBreaker(log: string, mutex: string): Promise<void> {
  const st = await fsp.lstat(mutex).catch(() => null);
  if (!st || Date.now() - st.mtimeMs < DEAD_BREAKER_MS) return;
  const aside = privateName(log, 'stalebreaker');
  try {
    await fsp.rename(mutex, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!sameFile(await fsp.lstat(aside), st)) await fsp.link(aside, mutex).catch(() => undefined);
  await fsp.rm(aside, { force: true });
}
