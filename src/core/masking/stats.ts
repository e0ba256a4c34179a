/** Counting spans into MaskStats. */
import { MASK_CATEGORIES, type MaskCategory, type MaskSpan, type MaskStats, type SpanCategory } from './types';

export function emptyMaskStats(): MaskStats {
  const zero = () => Object.fromEntries(MASK_CATEGORIES.map((c) => [c, 0])) as Record<MaskCategory, number>;
  return { masked: zero(), alreadyRedacted: { ...zero(), unknown: 0 }, totalMasked: 0, totalAlreadyRedacted: 0 };
}

/** Adds one masked (engine) or already-redacted (writer) occurrence to `stats`. */
export function countSpan(stats: MaskStats, source: MaskSpan['source'], category: SpanCategory): void {
  if (source === 'writer') {
    stats.alreadyRedacted[category]++;
    stats.totalAlreadyRedacted++;
  } else if (category !== 'unknown') {
    stats.masked[category]++;
    stats.totalMasked++;
  }
}

export function addSpansToStats(stats: MaskStats, spans: readonly MaskSpan[]): MaskStats {
  for (const s of spans) countSpan(stats, s.source, s.category);
  return stats;
}
