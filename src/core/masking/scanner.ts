/**
 * Finds the regions to mask in a text: one pass of a combined regex over the enabled built-in
 * rules, then the custom rules, which only take regions no built-in region overlaps.
 */
import { remainingMs, type MaskBudget } from './budget';
import { BUILTIN_RULES, type BuiltinRule, type Region, type ScanContext } from './builtin-rules';
import { compileCustomRule, customMatches } from './custom-rules';
import { base64Runs, decodedView } from './decoded-view';
import { isAwsSecretKey } from './validators';
import { customMarker, MARKERS } from './markers';
import { MASK_CATEGORIES, type MaskOptions } from './types';

interface Combined {
  re: RegExp;
  rules: BuiltinRule[];
  /** tail[j]: rules j.. combined, sticky: to retry the rules after one that rejected its match. */
  tail: RegExp[];
}

const combinedCache = new Map<number, Combined>();

function assertNoCapturingGroups(rule: BuiltinRule): void {
  const groups = new RegExp(`${rule.source}|`, 'u').exec('')!.length - 1;
  if (groups !== 0) throw new Error(`masking rule ${rule.id} has ${groups} capturing group(s)`);
}

function combinedFor(opts: MaskOptions): Combined {
  let key = 0;
  for (let i = 0; i < MASK_CATEGORIES.length; i++) if (opts.enabled[MASK_CATEGORIES[i]!]) key |= 1 << i;
  let c = combinedCache.get(key);
  if (!c) {
    const rules = BUILTIN_RULES.filter((r) => r.category === null || opts.enabled[r.category]);
    rules.forEach(assertNoCapturingGroups);
    const alternation = (from: number) =>
      rules
        .slice(from)
        .map((r) => `(${r.source})`)
        .join('|');
    c = { re: new RegExp(alternation(0), 'gu'), rules, tail: rules.map((_, j) => new RegExp(alternation(j), 'uy')) };
    combinedCache.set(key, c);
  }
  return c;
}

/**
 * The region the rules after `after` give at exactly `pos`, as the alternation would have had
 * the rejected rule not matched there; null when none does.
 */
function retryAt(ctx: ScanContext, pos: number, after: number, c: Combined): { region: Region; matchEnd: number } | null {
  for (let from = after + 1; from < c.rules.length; ) {
    const re = c.tail[from]!;
    re.lastIndex = pos;
    const m = re.exec(ctx.text);
    if (m === null) return null;
    let i = 1;
    while (m[i] === undefined) i++;
    const j = from + i - 1;
    const region = c.rules[j]!.resolve(m[0], pos, ctx);
    if (region !== null) return { region, matchEnd: Math.max(pos + m[0].length, region.end) };
    from = j + 1;
  }
  return null;
}

/**
 * Regions of matches starting in [from, to] (to: inclusive; matches may end beyond it). Linear in
 * the text: see BuiltinRule for what each rule guarantees.
 */
function builtinRegions(text: string, opts: MaskOptions, from: number, to: number, budget: MaskBudget | undefined): Region[] {
  const c = combinedFor(opts);
  const { re, rules } = c;
  const ctx: ScanContext = { text };
  const out: Region[] = [];
  re.lastIndex = from;
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = re.exec(text)) !== null && m.index <= to) {
    if ((++n & 63) === 0) remainingMs(budget);
    let i = 1;
    while (m[i] === undefined) i++;
    const region = rules[i - 1]!.resolve(m[0], m.index, ctx);
    const found = region !== null ? { region, matchEnd: Math.max(m.index + m[0].length, region.end) } : retryAt(ctx, m.index, i - 1, c);
    if (found === null) {
      re.lastIndex = m.index + 1;
      continue;
    }
    out.push(found.region);
    re.lastIndex = found.matchEnd;
  }
  return out;
}

/** Index of the first region ending after `pos` (regions sorted, disjoint). */
function firstEndingAfter(regions: readonly Region[], pos: number): number {
  let lo = 0;
  let hi = regions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (regions[mid]!.end <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function customRegions(text: string, opts: MaskOptions, taken: readonly Region[], budget: MaskBudget | undefined): Region[] {
  const candidates: Region[] = [];
  const matches = customMatches(opts.custom.map(compileCustomRule), text, budget);
  for (const [r, rule] of opts.custom.entries()) {
    const marker = customMarker(rule.name);
    for (const [start, end] of matches[r]!) {
      const next = taken[firstEndingAfter(taken, start)];
      if (next === undefined || next.start >= end) {
        candidates.push({ kind: 'masked', start, end, category: 'custom', marker, replacement: marker });
      }
    }
  }
  // earliest first, longer first on ties, rule order last; drop those overlapping an accepted one
  candidates.sort((a, b) => a.start - b.start || b.end - a.end);
  const accepted: Region[] = [];
  for (const c of candidates) if (accepted.length === 0 || accepted[accepted.length - 1]!.end <= c.start) accepted.push(c);
  return accepted;
}

/** Decoding goes this many layers deep (a doubly-stringified JSON in a JSON string needs 2). */
const MAX_DECODE_DEPTH = 3;

/** Built-in regions of `text` and of its decodings (see decoded-view), mapped onto `text`. */
function builtinAndDecodedRegions(text: string, opts: MaskOptions, budget: MaskBudget | undefined, depth: number): Region[] {
  const direct = builtinRegions(text, opts, 0, text.length, budget);
  if (depth >= MAX_DECODE_DEPTH) return direct;
  const extra: Region[] = [];
  const view = decodedView(text);
  if (view !== null) {
    for (const r of builtinAndDecodedRegions(view.text, opts, budget, depth + 1)) {
      if (r.kind !== 'masked') continue;
      const replacement = view.unescaped ? r.replacement.replace(/["\\]/g, '\\$&') : r.replacement;
      extra.push({ ...r, start: view.origin[r.start]!, end: view.origin[r.end]!, replacement });
    }
  }
  for (const b of base64Runs(text)) {
    // a bare AWS secret access key is a base64 run of its own (found here, not by a rule: a rule
    // would read 40 characters at the start of every word)
    if (opts.enabled['api-key'] && isAwsSecretKey(b.token)) {
      extra.push({ kind: 'masked', start: b.start, end: b.end, category: 'api-key', marker: MARKERS.apiKey, replacement: MARKERS.apiKey });
      continue;
    }
    if (b.text === null) continue;
    const inside = builtinAndDecodedRegions(b.text, opts, budget, depth + 1).find((r) => r.kind === 'masked');
    if (inside?.kind === 'masked') extra.push({ kind: 'masked', start: b.start, end: b.end, category: inside.category, marker: inside.marker, replacement: inside.marker });
  }
  return extra.length === 0 ? direct : mergeRegions([...direct, ...extra]);
}

/**
 * Sorted, disjoint regions from overlapping ones: overlapping regions become one, masked when
 * any of them is (with the marker of the first masked one), covering them all.
 */
function mergeRegions(regions: Region[]): Region[] {
  regions.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Region[] = [];
  for (const r of regions) {
    const last = out[out.length - 1];
    if (last === undefined || r.start >= last.end) {
      out.push(r);
      continue;
    }
    if (last.kind === 'masked') last.end = Math.max(last.end, r.end);
    else if (r.kind === 'masked') out[out.length - 1] = { ...r, start: last.start, end: Math.max(last.end, r.end) };
  }
  return out;
}

/** Sorted, disjoint regions of `text` (and of its decodings) to mask, keep or report. */
export function findRegions(text: string, opts: MaskOptions, budget?: MaskBudget): Region[] {
  const builtin = builtinAndDecodedRegions(text, opts, budget, 0);
  return withCustomRegions(text, opts, builtin, budget);
}

/**
 * Like findRegions, for matches starting in [from, to], without decoding (rescans of the
 * neighbourhood of new markers). Custom rules may look anywhere (their lookbehinds are
 * unbounded), so with custom rules active the whole text is scanned.
 */
export function findRegionsIn(text: string, opts: MaskOptions, from: number, to: number, budget?: MaskBudget): Region[] {
  if (opts.enabled.custom && opts.custom.length > 0) [from, to] = [0, text.length];
  return withCustomRegions(text, opts, builtinRegions(text, opts, from, to, budget), budget);
}

function withCustomRegions(text: string, opts: MaskOptions, builtin: Region[], budget: MaskBudget | undefined): Region[] {
  if (!opts.enabled.custom || opts.custom.length === 0) return builtin;
  const custom = customRegions(text, opts, builtin, budget);
  if (custom.length === 0) return builtin;
  return [...builtin, ...custom].sort((a, b) => a.start - b.start);
}
