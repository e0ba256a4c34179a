/**
 * File operations of a rotation, made so that nobody else's file can be reached through them.
 *
 * Assumption (checked by `assertTrustedDir`, else the rotation refuses): only the running user and
 * root can add, remove or rename entries in the log's directory and its ancestors — every one is
 * owned by root or the running user and is not group/world-writable unless sticky; in a sticky
 * directory others can write to, the log must be the running user's own. This is logrotate's rule
 * (it skips such directories unless told to `su` to their owner), for the same reason: Node has no
 * openat/renameat/linkat on a directory descriptor, so every rename, link and unlink goes by path,
 * and in a directory another user controls any path can be swapped between a check and the call.
 * Inside a trusted directory, each file the rotation creates is also created O_CREAT|O_EXCL|
 * O_NOFOLLOW under an unguessable name and checked with fstat (regular, ours, one link): defence in
 * depth, and it makes planted names at the old predictable paths irrelevant.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RotationError } from './rewriters';

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const STICKY = 0o1000;

export function euid(): number | null {
  return typeof process.geteuid === 'function' ? process.geteuid() : null;
}

/** Who may replace entries of a directory, as a reason to refuse; null when only root and `me` can. */
function untrusted(dir: string, st: Stats, me: number): string | null {
  if (st.uid !== 0 && st.uid !== me) return `${dir} is owned by uid ${st.uid} (not you, uid ${me}, nor root)`;
  const sticky = (st.mode & STICKY) !== 0;
  if (sticky) return null;
  if (st.mode & 0o002) return `${dir} is writable by every user`;
  if (st.mode & 0o020 && st.gid !== 0) return `${dir} is writable by group ${st.gid}`;
  return null;
}

/**
 * Refuses (RotationError) when someone other than the running user and root could swap the entries
 * the rotation creates or renames next to `log` (see the module comment). `log` is the real path.
 */
export async function assertTrustedDir(log: string, logStat: Stats): Promise<void> {
  const me = euid();
  if (me === null) return; // Windows: no POSIX ownership model to check; the directory ACL is the user's
  const parent = dirname(log);
  for (let dir = parent; ; dir = dirname(dir)) {
    const st = await fsp.lstat(dir);
    const why = untrusted(dir, st, me);
    if (why) throw refusal(log, why);
    if (dir === parent && (st.mode & STICKY) !== 0 && (st.mode & 0o022) !== 0 && logStat.uid !== me) {
      throw refusal(log, `${dir} is a shared sticky directory and the log belongs to uid ${logStat.uid}, who could swap the rotated copy before it is renamed into place`);
    }
    if (dirname(dir) === dir) break;
  }
}

function refusal(log: string, why: string): RotationError {
  return new RotationError(
    `refusing to rotate ${log}: ${why}; another user could swap the files the rotation creates or renames. ` +
      `Run enclog as the directory's owner (e.g. sudo -u OWNER enclog reencrypt …), or make the directory owned by you or root and not writable by others`,
  );
}

/** `.BASE.enclog-<random>.<role>` next to the log: unguessable, recognisable by recovery. */
export function privateName(log: string, role: string): string {
  return join(dirname(log), `.${basename(log)}.enclog-${randomBytes(12).toString('hex')}.${role}`);
}

/** Names `privateName` made for `log` (any role), as found in its directory. */
export async function privateNames(log: string): Promise<string[]> {
  const prefix = `.${basename(log)}.enclog-`;
  const re = /^[0-9a-f]{24}\.[a-z]+$/;
  const names = await fsp.readdir(dirname(log));
  return names.filter((n) => n.startsWith(prefix) && re.test(n.slice(prefix.length))).map((n) => join(dirname(log), n));
}

/** Is `name` one of `log`'s private names (a journal written by someone else must not name other paths)? */
export function isPrivateName(log: string, name: unknown): name is string {
  if (typeof name !== 'string' || dirname(name) !== dirname(log)) return false;
  const prefix = `.${basename(log)}.enclog-`;
  const b = basename(name);
  return b.startsWith(prefix) && /^[0-9a-f]{24}\.[a-z]+$/.test(b.slice(prefix.length));
}

/** fstat checks of a descriptor the rotation relies on: a regular file, owned by us, with `links` names. */
export async function checkOwnFile(fh: FileHandle, path: string, links = 1): Promise<Stats> {
  const st = await fh.stat();
  const me = euid();
  if (!st.isFile()) throw new RotationError(`${path} is not a regular file`);
  if (me !== null && st.uid !== me) throw new RotationError(`${path} belongs to uid ${st.uid}, not to this user (uid ${me})`);
  if (st.nlink !== links) throw new RotationError(`${path} has ${st.nlink} name(s), expected ${links}: another name was linked to it`);
  return st;
}

/** Creates a new private file (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) and checks it with fstat. */
export async function createPrivate(path: string, extraFlags = 0): Promise<FileHandle> {
  const fh = await fsp.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW | extraFlags, 0o600);
  try {
    await checkOwnFile(fh, path);
    return fh;
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

/** Opens an existing file without following a symlink at its last component. */
export function openNoFollow(path: string, flags: number): Promise<FileHandle> {
  return fsp.open(path, flags | NOFOLLOW);
}

/** Writes all of `buf` (a short write is continued; a write of 0 bytes is an error). */
export async function writeAll(fh: FileHandle, buf: Buffer, path: string): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off).catch((err: NodeJS.ErrnoException) => {
      // name the file: "ENOSPC … write" alone does not say whether the copy or the journal ran out
      throw Object.assign(new Error(`${err.message} (writing ${path})`), { code: err.code });
    });
    if (bytesWritten <= 0) throw Object.assign(new Error(`${path}: short write (${off} of ${buf.length} bytes written)`), { code: 'EIO' });
    off += bytesWritten;
  }
}

/** Writes `data` to a new private file of `log`, fsyncs it and renames it over `dest`. */
export async function writeAtomically(dest: string, data: string, log: string): Promise<void> {
  const tmp = privateName(log, 'jtmp');
  const fh = await createPrivate(tmp);
  try {
    await writeAll(fh, Buffer.from(data), tmp);
    await fh.sync();
    await fh.close();
    await fsp.rename(tmp, dest);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Reads a small file we wrote: no symlink followed, regular (a planted FIFO must not block the open), ours. */
export async function readOwnFile(path: string): Promise<string> {
  const fh = await openNoFollow(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    await checkOwnFile(fh, path);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** Removes a private file if present; unlink never follows a symlink. */
export async function removeIfPresent(path: string | null | undefined): Promise<void> {
  if (path) await fsp.rm(path, { force: true });
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  try {
    await fh.sync();
  } catch {
    // some file systems refuse fsync on directories; the rename is still atomic
  } finally {
    await fh.close();
  }
}

export const sameFile = (a: { dev: number; ino: number } | null, b: { dev: number; ino: number } | null): boolean => !!a && !!b && a.dev === b.dev && a.ino === b.ino;
