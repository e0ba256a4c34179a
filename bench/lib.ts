/** Shared helpers of the benchmark: timing, statistics, JSON figure output, logging. */
import { availableParallelism, cpus, totalmem } from 'node:os';

export const now = (): number => Number(process.hrtime.bigint()) / 1e6; // ms

export async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t = now();
  const value = await f();
  return { value, ms: now() - t };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const round = (x: number, digits = 3): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export interface Check {
  /** What is compared, e.g. `first_screen_ms_1GB`. */
  metric: string;
  value: number;
  /** Human-readable target, e.g. `<= 300`. */
  target: string;
  pass: boolean;
}

export function atMost(metric: string, value: number, limit: number): Check {
  return { metric, value: round(value), target: `<= ${limit}`, pass: value <= limit };
}
export function atLeast(metric: string, value: number, limit: number): Check {
  return { metric, value: round(value), target: `>= ${limit}`, pass: value >= limit };
}

export interface Figure {
  figure: string;
  title: string;
  status: 'measured' | 'not-measured';
  /** All checks pass (null when not measured). */
  pass: boolean | null;
  checks: Check[];
  [k: string]: unknown;
}

export function figure(id: string, title: string, checks: Check[], raw: Record<string, unknown>): Figure {
  return { figure: id, title, status: 'measured', pass: checks.every((c) => c.pass), checks, ...raw };
}

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export function machine(): Record<string, unknown> {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memory_gib: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Gives the event loop and GC a moment between measurements. */
export async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 50));
}
