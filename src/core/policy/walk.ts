/** Bounded directory walk for the policy scan: never follows symlinks, skips node_modules and .git. */
import { lstat, opendir } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';

export const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);

/** Files the line rules look at: logs and JSON lines, incl. rotated ones (`app.log.1`, `x.jsonl.2`). */
export function isLogCandidate(name: string): boolean {
  return /\.(log|jsonl|ndjson)(\.\d+)?$/i.test(name);
}
/** Extra files looked at inside encrypted-only paths (anything that may be a log). */
export function isProtectedCandidate(name: string): boolean {
  return isLogCandidate(name) || /\.(json|txt|out)$/i.test(name) || !name.includes('.');
}
export function isKeyFileName(name: string): boolean {
  return /\.key$/i.test(name);
}

export interface WalkOptions {
  baseDir: string;
  isProtected: (relPath: string) => boolean;
  maxFiles: number;
  maxDepth: number;
  signal?: AbortSignal;
  onVisit?: (visited: number) => void;
}

export interface WalkResult {
  logFiles: string[];
  keyFiles: string[];
  visited: number;
  /** Why the walk stopped early, when it did. */
  truncated: string | null;
}

export function relPath(baseDir: string, path: string): string {
  return relative(baseDir, path).split(sep).join('/');
}

/** Explicit file arguments are always scanned; directories contribute log candidates and *.key files. */
export async function walkPaths(paths: readonly string[], opts: WalkOptions): Promise<WalkResult> {
  const out: WalkResult = { logFiles: [], keyFiles: [], visited: 0, truncated: null };
  const seen = new Set<string>();
  const addFile = (p: string, explicit: boolean) => {
    if (seen.has(p)) return;
    const name = basename(p);
    if (isKeyFileName(name)) {
      seen.add(p);
      out.keyFiles.push(p);
      return;
    }
    if (explicit || isLogCandidate(name) || (opts.isProtected(relPath(opts.baseDir, p)) && isProtectedCandidate(name))) {
      seen.add(p);
      out.logFiles.push(p);
    }
  };
  const queue: Array<{ dir: string; depth: number }> = [];
  for (const raw of paths) {
    const p = resolve(opts.baseDir, raw);
    const st = await lstat(p); // ENOENT surfaces to the caller: a named path must exist
    if (st.isDirectory()) queue.push({ dir: p, depth: 0 });
    else addFile(p, true); // a named FIFO, socket or device too: the scan says what it is, never waits on it
  }
  while (queue.length > 0) {
    opts.signal?.throwIfAborted();
    const { dir, depth } = queue.shift()!;
    let handle;
    try {
      handle = await opendir(dir);
    } catch {
      continue; // unreadable directory: nothing to scan there
    }
    for await (const ent of handle) {
      if (++out.visited > opts.maxFiles) {
        out.truncated = `stopped after ${opts.maxFiles} directory entries (policy maxFiles)`;
        await handle.close().catch(() => undefined);
        return out;
      }
      if (out.visited % 500 === 0) {
        opts.signal?.throwIfAborted();
        opts.onVisit?.(out.visited);
      }
      const p = join(dir, ent.name);
      if (ent.isDirectory()) {
        if (SKIP_DIRS.has(ent.name)) continue;
        if (depth + 1 > opts.maxDepth) {
          out.truncated ??= `directories deeper than ${opts.maxDepth} levels were not looked at (policy maxDepth)`;
          continue;
        }
        queue.push({ dir: p, depth: depth + 1 });
      } else if (!ent.isSymbolicLink()) addFile(p, false); // a log-named FIFO or socket is reported, not skipped
    }
  }
  return out;
}
