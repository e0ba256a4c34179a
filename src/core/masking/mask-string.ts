/**
 * The text-level API the JSON traversal calls for every piece of a decrypted value: string values,
 * object keys, number literals and runs of array elements (a card number split across elements).
 * Each call takes the entry's budget and adds what it masked to the entry's stats.
 */
import type { MaskBudget } from './budget';
import { maskText } from './mask-text';
import { findRegions } from './scanner';
import { addSpansToStats, countSpan } from './stats';
import type { MaskCategory, MaskOptions, MaskStats } from './types';

/** Masks one string (a value or an object key) and counts its spans into `stats`. */
export function maskString(text: string, opts: MaskOptions, budget?: MaskBudget, stats?: MaskStats): string {
  const r = maskText(text, opts, budget);
  if (stats) addSpansToStats(stats, r.spans);
  return r.text;
}

/** A JSON number after masking: its literal unchanged, or a string that replaces it. */
export type MaskedNumber = { kind: 'number'; text: string } | { kind: 'string'; text: string };

const INTEGER = /^-?\d{9,19}$/;

/**
 * Masks a JSON number given by its literal text (exactly as written, e.g. `4111111111111111`):
 * integers of 9 to 19 digits (sign aside) can be phone, card or social security numbers and become
 * their marker. Everything else (decimals, exponents, short integers) is returned unchanged.
 */
export function maskNumberText(literal: string, opts: MaskOptions, budget?: MaskBudget, stats?: MaskStats): MaskedNumber {
  if (!INTEGER.test(literal)) return { kind: 'number', text: literal };
  const digits = literal.replace(/^-/, '');
  const masked = maskString(digits, opts, budget, stats);
  return masked === digits ? { kind: 'number', text: literal } : { kind: 'string', text: masked };
}

const SPLIT_CATEGORIES: readonly MaskCategory[] = ['credit-card', 'phone', 'ssn'];
const DIGIT_GROUP = /^\d{1,6}$/;

/**
 * Numbers split across consecutive array elements (`["4111","1111","1111","1111"]`,
 * `[415, 555, 132]`): `parts` holds each element's text (a string's content or a number's
 * literal; null for other elements). Returns, per element, the marker replacing it when it is part
 * of such a number, else null. Linear in the total length.
 */
export function maskSplitNumber(parts: ReadonlyArray<string | null>, opts: MaskOptions, budget?: MaskBudget, stats?: MaskStats): Array<string | null> {
  const out: Array<string | null> = new Array<string | null>(parts.length).fill(null);
  // Most arrays hold no run of two digit groups (every level of a deeply nested value is such an
  // array): the split-number options are built only once a run is found.
  let only: MaskOptions | null | undefined;
  for (let i = 0; i < parts.length; ) {
    let j = i;
    while (j < parts.length && DIGIT_GROUP.test(parts[j] ?? '')) j++;
    if (j - i >= 2) {
      only ??= splitOnlyOptions(opts);
      if (only === null) return out;
      maskRun(parts as string[], i, j, only, budget, stats, out);
    }
    i = Math.max(j, i + 1);
  }
  return out;
}

/** `opts` with only the categories a split number can be (null when none of them is enabled). */
function splitOnlyOptions(opts: MaskOptions): MaskOptions | null {
  const enabled = SPLIT_CATEGORIES.filter((c) => opts.enabled[c]);
  if (enabled.length === 0) return null;
  return { enabled: Object.fromEntries(Object.keys(opts.enabled).map((c) => [c, enabled.includes(c as MaskCategory)])) as MaskOptions['enabled'], custom: [] };
}

function maskRun(parts: readonly string[], from: number, to: number, opts: MaskOptions, budget: MaskBudget | undefined, stats: MaskStats | undefined, out: Array<string | null>): void {
  const starts: number[] = [];
  let joined = '';
  for (let k = from; k < to; k++) {
    if (k > from) joined += ' ';
    starts.push(joined.length);
    joined += parts[k];
  }
  for (const region of findRegions(joined, opts, budget)) {
    if (region.kind !== 'masked') continue;
    if (stats) countSpan(stats, 'masked', region.category);
    for (let k = from; k < to; k++) {
      const s = starts[k - from]!;
      if (s < region.end && s + parts[k]!.length > region.start) out[k] = region.marker;
    }
  }
}
