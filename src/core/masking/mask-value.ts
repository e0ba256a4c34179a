/**
 * maskValue: mask every string, object key and number of a decoded JSON value (deep copy; the
 * input is never mutated), through the text-level API of mask-string. A key naming a secret
 * (sensitive-key category) has its whole value replaced by `[SECRET]`.
 */
import { compileCustomRule } from './custom-rules';
import { MARKERS, ownMarkerCategory } from './markers';
import { secretValueKind } from './secret-values';
import { isSensitiveKey } from './sensitive-keys';
import { countSpan, emptyMaskStats } from './stats';
import { maskBudget, type MaskBudget } from './budget';
import { maskNumberText, maskSplitNumber, maskString } from './mask-string';
import { WRITER_SECRET_VALUE, writerMarkerCategory } from './writer-markers';
import type { MaskOptions, MaskStats, MaskValueResult } from './types';

/**
 * Masks a decoded request/response object. Strings anywhere are masked as by maskText; under a
 * sensitive key, strings, numbers, arrays and objects become `"[SECRET]"` (null and booleans
 * stay: they hide nothing). A string value that is a writer marker (`"***"`, `[REDACTED:...]`) is
 * kept and counted as already redacted, and so is a `"***"` string under any key. Throws MaskRuleError for an invalid enabled custom rule.
 */
export function maskValue(value: unknown, opts: MaskOptions, budget: MaskBudget = maskBudget()): MaskValueResult {
  if (opts.enabled.custom) opts.custom.forEach(compileCustomRule); // fail fast, before any work
  const stats = emptyMaskStats();
  return { value: walk(value, opts, stats, budget), stats };
}

function walk(value: unknown, opts: MaskOptions, stats: MaskStats, budget: MaskBudget): unknown {
  if (typeof value === 'string') {
    if (value === WRITER_SECRET_VALUE) {
      // the writer's list of sensitive keys is longer than anyone's; a "***" value is its work
      countSpan(stats, 'writer', 'sensitive-key');
      return value;
    }
    return maskString(value, opts, budget, stats);
  }
  if (Array.isArray(value)) {
    const split = maskSplitNumber(value.map((v) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null)), opts, budget, stats);
    return value.map((v, i) => split[i] ?? walk(v, opts, stats, budget));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const masked = opts.enabled['sensitive-key'] && isSensitiveKey(k) ? secretOf(v, opts, stats, budget) : walk(v, opts, stats, budget);
      let key = maskString(k, opts, budget, stats);
      for (let n = 2; key !== k && Object.hasOwn(out, key); n++) key = `${maskString(k, opts, budget)} #${n}`;
      // defineProperty: a JSON key "__proto__" must stay a plain property
      Object.defineProperty(out, key, { value: masked, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    const r = maskNumberText(String(value), opts, budget, stats);
    return r.kind === 'string' ? r.text : value;
  }
  return value; // other numbers, boolean, null, undefined
}

function secretOf(v: unknown, opts: MaskOptions, stats: MaskStats, budget: MaskBudget): unknown {
  if (v === null || v === undefined || typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const kind = secretValueKind(v);
    if (kind === 'writer') countSpan(stats, 'writer', writerMarkerCategory(v));
    if (kind === 'own-marker') countSpan(stats, 'masked', ownMarkerCategory(v));
    if (kind !== 'mask') return v;
  }
  if ((Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) {
    return walk(v, opts, stats, budget);
  }
  countSpan(stats, 'masked', 'sensitive-key');
  return MARKERS.secret;
}
