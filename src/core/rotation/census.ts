/**
 * Census, plan and verify: which key version every encrypted value of a set of logs is on, read-only.
 * Every value is opened (UPDATE lines and orphan updates included), so the answer is exact; for
 * Symbiont logs that costs one Argon2 run per value, which is also what the plan measures.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { censusLog, type CensusOptions as LogCensusOptions } from '../census';
import { CURRENT_SYMBIONT_KDF, symbiontKdfParams } from '../crypto/argon2';
import type { FormatId, KeyVersionInfo } from '../model';
import type { LineFailure } from './reencrypt';
import type { RotationKeys } from './rotation-keys';

export { UNKNOWN_KEY as UNKNOWN } from '../census';

export interface FileCensus {
  path: string;
  format: FormatId | null;
  bytes: number;
  lines: number;
  entries: number;
  fields: number;
  /** Entries per key label (the key of the entry's first value); `unknown` when none opens it. */
  entriesByKey: Record<string, number>;
  /** Encrypted values per key label (entries and UPDATE lines). */
  fieldsByKey: Record<string, number>;
  /** Symbiont values per kdf label. */
  kdfs: Record<string, number>;
  failures: LineFailure[];
  failedFields: number;
  seconds: number;
  error: string | null;
  ioError: boolean;
}

export type CensusOptions = Pick<LogCensusOptions, 'signal' | 'batchSize'> & {
  onProgress?: (p: { path: string; bytesDone: number; bytesTotal: number; entriesDone: number }) => void;
};

/** The census at depth `values` (every value opened, located as the rewrite will), as rotation reports it. */
export async function censusFile(path: string, keys: RotationKeys, opts: CensusOptions = {}): Promise<FileCensus> {
  const c: FileCensus = { path, format: null, bytes: 0, lines: 0, entries: 0, fields: 0, entriesByKey: {}, fieldsByKey: {}, kdfs: {}, failures: [], failedFields: 0, seconds: 0, error: null, ioError: false };
  const t0 = performance.now();
  try {
    const { format, bytes, tally } = await censusLog(path, keys.resolver, {
      depth: 'values',
      signal: opts.signal,
      batchSize: opts.batchSize,
      onProgress: (p) => opts.onProgress?.({ path, ...p }),
    });
    Object.assign(c, {
      format,
      bytes,
      lines: tally.lines,
      entries: tally.entries,
      fields: tally.values,
      entriesByKey: Object.fromEntries(tally.counts('entries')),
      fieldsByKey: Object.fromEntries(tally.counts('values')),
      kdfs: Object.fromEntries(tally.kdfs),
      failures: tally.failures.map((f) => ({ line: f.line, message: f.message })),
      failedFields: tally.failedValues,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    c.error = (err as Error).message;
    const code = (err as NodeJS.ErrnoException).code;
    c.ioError = typeof code === 'string' && /^E[A-Z]+$/.test(code);
  }
  c.seconds = (performance.now() - t0) / 1000;
  return c;
}

export async function censusFiles(paths: string[], keys: RotationKeys, opts: CensusOptions = {}): Promise<FileCensus[]> {
  const out: FileCensus[] = [];
  for (const p of paths) out.push(await censusFile(p, keys, opts));
  return out;
}

// ------------------------------------------------------------------ plan

/** Seconds of one Argon2id derivation per core for a kdf label, measured on this machine. */
export async function measureArgon2(keys: RotationKeys, kdf: string): Promise<number> {
  const jobs = Math.max(2, keys.poolSize);
  const params = symbiontKdfParams(kdf);
  await keys.deriver.derive(randomBytes(32), randomBytes(32), params); // warm-up (starts a worker)
  const t0 = performance.now();
  await Promise.all(Array.from({ length: jobs }, () => keys.deriver.derive(randomBytes(32), randomBytes(32), params)));
  return ((performance.now() - t0) / 1000) * Math.min(keys.poolSize, jobs) / jobs;
}

export interface FilePlan extends FileCensus {
  target: string | null;
  /** Encrypted values that would be rewritten (opened, not on the target). */
  wouldRewrite: number;
  onTarget: number;
  estimatedSeconds: number | null;
}

export interface Plan {
  target: KeyVersionInfo | null;
  files: FilePlan[];
  argon2SecondsPerRun: Record<string, number>;
  poolSize: number;
  estimatedSeconds: number;
}

/**
 * A dry run: the census of every file, what a re-encryption to `to`'s primary would change, and an
 * estimate of its time: the measured census time (every value is opened once by the rewrite too),
 * plus, for Symbiont values, one Argon2 run with the target kdf per rewritten value and the
 * verification runs (measured per label on this machine, spread over the worker pool), plus for
 * envelope/transit logs the write + read-back pass (about 1.5x the census).
 */
export async function planRotation(paths: string[], keys: RotationKeys, opts: CensusOptions & { to?: string; kdf?: string } = {}): Promise<Plan> {
  const target = opts.to ? (await keys.primary(opts.to)).info : null;
  const kdf = opts.kdf ?? CURRENT_SYMBIONT_KDF;
  const files: FilePlan[] = [];
  const argon: Record<string, number> = {};
  for (const p of paths) {
    const c = await censusFile(p, keys, opts);
    const onTarget = target ? (c.fieldsByKey[target.label] ?? 0) : 0;
    const wouldRewrite = target ? c.fields - onTarget - c.failedFields : 0;
    let est: number | null = null;
    if (!c.error) {
      if (c.format === 'symbiont') {
        argon[kdf] ??= await measureArgon2(keys, kdf);
        // seal (new kdf) for each rewritten value; verify re-derives 1 in 32 of those and every value already on target.
        est = c.seconds + ((wouldRewrite * (1 + 1 / 32) + onTarget) * argon[kdf]) / keys.poolSize;
      } else est = c.seconds * 2.5;
    }
    files.push({ ...c, target: target?.label ?? null, wouldRewrite, onTarget, estimatedSeconds: est });
  }
  for (const label of new Set(files.flatMap((f) => Object.keys(f.kdfs)))) argon[label] ??= await measureArgon2(keys, label);
  return { target, files, argon2SecondsPerRun: argon, poolSize: keys.poolSize, estimatedSeconds: files.reduce((s, f) => s + (f.estimatedSeconds ?? 0), 0) };
}

// ------------------------------------------------------------------ verify

export interface FileVerification extends FileCensus {
  primary: string;
  onPrimary: number;
  ok: boolean;
}

/** Every value of every file decrypts and is on `primaryRef`'s primary version. */
export async function verifyFiles(paths: string[], primaryRef: string, keys: RotationKeys, opts: CensusOptions = {}): Promise<{ primary: KeyVersionInfo; files: FileVerification[]; ok: boolean }> {
  const primary = (await keys.primary(primaryRef)).info;
  const files: FileVerification[] = [];
  for (const p of paths) {
    const c = await censusFile(p, keys, opts);
    const onPrimary = c.fieldsByKey[primary.label] ?? 0;
    files.push({ ...c, primary: primary.label, onPrimary, ok: !c.error && c.failures.length === 0 && onPrimary === c.fields });
  }
  return { primary, files, ok: files.every((f) => f.ok) };
}
