/**
 * Opening a log for reading without being turned against the reader: a FIFO would block `open`
 * (and every read) forever, a device never ends, a directory or socket is not a log. The open uses
 * O_NONBLOCK (so a FIFO with no writer returns at once; it has no effect on regular files' reads),
 * then fstat on the descriptor decides: anything but a regular file is refused with a clear error.
 */
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
  constructor(readonly path: string, readonly what: string) {
    super(`${path} is ${what}, not a regular file: refusing to read it as a log`);
    this.name = 'NotRegularFileError';
  }
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSymbolicLink(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'a special file';
}

/** Opens `path` read-only; rejects with NotRegularFileError unless it is a regular file (symlinks to one are followed). */
export async function openRegularForRead(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await fsp.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    // open(2) of a Unix socket fails with ENXIO: say what it is rather than "no such device"
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') {
      const st = await fsp.stat(path).catch(() => null);
      if (st && !st.isFile()) throw new NotRegularFileError(path, kindOf(st));
    }
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(path, kindOf(st));
    return fh;
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}
