/**
 * maskValue: mask every string of a decoded JSON value (deep copy; the input is never mutated).
 * Object keys are kept as they are; a key naming a secret (sensitive-key category) has its whole
 * value replaced by `[SECRET]`.
 */
import { compileCustomRule } from './custom-rules';
import { MARKERS, ownMarkerCategory } from './markers';
import { secretValueKind } from './secret-values';
import { isSensitiveKey } from './sensitive-keys';
import { addSpansToStats, countSpan, emptyMaskStats } from './stats';
import { maskText } from './mask-text';
import { WRITER_SECRET_VALUE, writerMarkerCategory } from './writer-markers';
import type { MaskOptions, MaskStats, MaskValueResult } from './types';

/**
 * Masks a decoded request/response object. Strings anywhere are masked as by maskText; under a
 * sensitive key, strings, numbers, arrays and objects become `"[SECRET]"` (null and booleans
 * stay: they hide nothing). A string value that is a writer marker (`"***"`, `[REDACTED:...]`) is
 * kept and counted as already redacted, and so is a `"***"` string under any key. Throws MaskRuleError for an invalid enabled custom rule.
 */
export function maskValue(value: unknown, opts: MaskOptions): MaskValueResult {
  if (opts.enabled.custom) opts.custom.forEach(compileCustomRule); // fail fast, before any work
  const stats = emptyMaskStats();
  return { value: walk(value, opts, stats), stats };
}

function walk(value: unknown, opts: MaskOptions, stats: MaskStats): unknown {
  if (typeof value === 'string') {
    if (value === WRITER_SECRET_VALUE) {
      // the writer's list of sensitive keys is longer than anyone's; a "***" value is its work
      countSpan(stats, 'writer', 'sensitive-key');
      return value;
    }
    const r = maskText(value, opts);
    addSpansToStats(stats, r.spans);
    return r.text;
  }
  if (Array.isArray(value)) return value.map((v) => walk(v, opts, stats));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const masked = opts.enabled['sensitive-key'] && isSensitiveKey(k) ? secretOf(v, opts, stats) : walk(v, opts, stats);
      // defineProperty: a JSON key "__proto__" must stay a plain property
      Object.defineProperty(out, k, { value: masked, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value; // number, boolean, null, undefined
}

function secretOf(v: unknown, opts: MaskOptions, stats: MaskStats): unknown {
  if (v === null || v === undefined || typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const kind = secretValueKind(v);
    if (kind === 'writer') countSpan(stats, 'writer', writerMarkerCategory(v));
    if (kind === 'own-marker') countSpan(stats, 'masked', ownMarkerCategory(v));
    if (kind !== 'mask') return v;
  }
  if ((Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) {
    return walk(v, opts, stats);
  }
  countSpan(stats, 'masked', 'sensitive-key');
  return MARKERS.secret;
}
