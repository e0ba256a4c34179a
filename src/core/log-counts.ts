import type { Engine } from './engine';

export interface LogCounts {
  /** Version label -> entries it opened, over every file counted. */
  counts: Map<string, number>;
  /** Files counted in full. */
  files: number;
  /** Files that could not be opened or counted, with why. */
  failed: { path: string; error: string }[];
  cancelled: boolean;
}

/**
 * Entries per key version over logs that need not be open anywhere (the workspace's logs, on demand):
 * each file is opened, surveyed and closed in turn, so memory stays that of one file at a time.
 */
export async function countLogsPerKey(engine: Engine, paths: string[], signal?: AbortSignal, onFile?: (path: string, i: number) => void): Promise<LogCounts> {
  const out: LogCounts = { counts: new Map(), files: 0, failed: [], cancelled: false };
  for (const [i, path] of paths.entries()) {
    if (signal?.aborted) {
      out.cancelled = true;
      break;
    }
    onFile?.(path, i);
    try {
      const session = await engine.open(path);
      try {
        const byKey = await session.census(signal);
        if (signal?.aborted) {
          out.cancelled = true;
          break;
        }
        for (const [k, n] of byKey) out.counts.set(k, (out.counts.get(k) ?? 0) + n);
        out.files++;
      } finally {
        await session.close();
      }
    } catch (err) {
      if (signal?.aborted) {
        out.cancelled = true;
        break;
      }
      out.failed.push({ path, error: (err as Error).message });
    }
  }
  return out;
}
