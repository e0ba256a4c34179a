/**
 * Finds the regions to mask in a text: one pass of a combined regex over the enabled built-in
 * rules, then the custom rules, which only take regions no built-in region overlaps.
 */
import { BUILTIN_RULES, type BuiltinRule, type Region } from './builtin-rules';
import { compileCustomRule } from './custom-rules';
import { customMarker } from './markers';
import type { MaskOptions } from './types';

interface Combined {
  re: RegExp;
  rules: BuiltinRule[];
  /** tail[j]: rules j.. combined, sticky: to retry the rules after one that rejected its match. */
  tail: RegExp[];
}

const combinedCache = new Map<string, Combined>();

function assertNoCapturingGroups(rule: BuiltinRule): void {
  const groups = new RegExp(`${rule.source}|`).exec('')!.length - 1;
  if (groups !== 0) throw new Error(`masking rule ${rule.id} has ${groups} capturing group(s)`);
}

function combinedFor(opts: MaskOptions): Combined {
  const rules = BUILTIN_RULES.filter((r) => r.category === null || opts.enabled[r.category]);
  const key = rules.map((r) => r.id).join(',');
  let c = combinedCache.get(key);
  if (!c) {
    rules.forEach(assertNoCapturingGroups);
    const alternation = (from: number) =>
      rules
        .slice(from)
        .map((r) => `(${r.source})`)
        .join('|');
    c = { re: new RegExp(alternation(0), 'g'), rules, tail: rules.map((_, j) => new RegExp(alternation(j), 'y')) };
    combinedCache.set(key, c);
  }
  return c;
}

/**
 * The region the rules after `after` give at exactly `pos`, as the alternation would have had
 * the rejected rule not matched there; null when none does.
 */
function retryAt(text: string, pos: number, after: number, c: Combined): { region: Region; matchEnd: number } | null {
  for (let from = after + 1; from < c.rules.length; ) {
    const re = c.tail[from]!;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) return null;
    let i = 1;
    while (m[i] === undefined) i++;
    const j = from + i - 1;
    const region = c.rules[j]!.resolve(m[0], pos);
    if (region !== null) return { region, matchEnd: pos + m[0].length };
    from = j + 1;
  }
  return null;
}

/** Regions of matches starting in [from, to] (to: inclusive; matches may end beyond it). */
function builtinRegions(text: string, opts: MaskOptions, from = 0, to = text.length): Region[] {
  const c = combinedFor(opts);
  const { re, rules } = c;
  const out: Region[] = [];
  re.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && m.index <= to) {
    let i = 1;
    while (m[i] === undefined) i++;
    const region = rules[i - 1]!.resolve(m[0], m.index);
    const found = region !== null ? { region, matchEnd: m.index + m[0].length } : retryAt(text, m.index, i - 1, c);
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

function customRegions(text: string, opts: MaskOptions, taken: readonly Region[]): Region[] {
  const candidates: Region[] = [];
  for (const rule of opts.custom) {
    const re = compileCustomRule(rule);
    const marker = customMarker(rule.name);
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex = m.index + 1;
        continue;
      }
      const start = m.index;
      const end = start + m[0].length;
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

/** Sorted, disjoint regions of `text` to mask, keep or report. */
export function findRegions(text: string, opts: MaskOptions): Region[] {
  return findRegionsIn(text, opts, 0, text.length);
}

/**
 * Like findRegions, for matches starting in [from, to]. Custom rules may look anywhere (their
 * lookbehinds are unbounded), so with custom rules active the whole text is scanned.
 */
export function findRegionsIn(text: string, opts: MaskOptions, from: number, to: number): Region[] {
  if (opts.enabled.custom && opts.custom.length > 0) [from, to] = [0, text.length];
  const builtin = builtinRegions(text, opts, from, to);
  if (!opts.enabled.custom || opts.custom.length === 0) return builtin;
  const custom = customRegions(text, opts, builtin);
  if (custom.length === 0) return builtin;
  return [...builtin, ...custom].sort((a, b) => a.start - b.start);
}
