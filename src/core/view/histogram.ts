import type { HistogramBucket } from './types';

export type { HistogramBucket } from './types';

/** Entries (and how many failed) in `nb` equal time buckets; entries without a time are left out. */
export function bucketize(times: Float64Array, failed: (index: number) => boolean, nb = 48): HistogramBucket[] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < times.length; i++) {
    const v = times[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  const span = Math.max(1, max - min + 1);
  const counts = new Array<number>(nb).fill(0);
  const fails = new Array<number>(nb).fill(0);
  for (let i = 0; i < times.length; i++) {
    const v = times[i]!;
    if (Number.isNaN(v)) continue;
    const b = Math.min(nb - 1, Math.floor(((v - min) / span) * nb));
    counts[b]!++;
    if (failed(i)) fails[b]!++;
  }
  return counts.map((count, b) => ({
    start: new Date(min + (span * b) / nb).toISOString(),
    end: new Date(min + (span * (b + 1)) / nb).toISOString(),
    count,
    failures: fails[b]!,
  }));
}
