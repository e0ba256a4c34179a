/**
 * maskValue: mask a decoded JSON value — the lossless tree of src/core/json, plain JavaScript, or a
 * mix — into a copy (the input is never mutated). Iterative, so any nesting depth; linear in the
 * size of the value plus the text scans.
 */
import { JsonNumber, JsonObject, type JsonValue } from '../json';
import { compileCustomRule } from './custom-rules';
import { MARKERS, ownMarkerCategory } from './markers';
import { secretValueKind } from './secret-values';
import { isSensitiveKey } from './sensitive-keys';
import { countSpan, emptyMaskStats } from './stats';
import { maskBudget, DEFAULT_MASK_BUDGET_MS, type MaskBudget } from './budget';
import { maskNumberText, maskSplitNumber, maskString } from './mask-string';
import { WRITER_SECRET_VALUE, writerMarkerCategory } from './writer-markers';
import type { MaskOptions, MaskStats, MaskValueResult } from './types';

// ---- The text-level engine (mask-string.ts, budget.ts)

export { maskBudget, DEFAULT_MASK_BUDGET_MS, type MaskBudget };

/** Put in place of every string, number and key not yet scanned when an entry's budget ran out. */
export const WITHHELD_MARKER = MARKERS.withheld;

/** Masks one string (a value or an object key) within the budget and counts its spans into `stats`. */
export function maskTextWithin(text: string, opts: MaskOptions, budget?: MaskBudget, stats?: MaskStats): string {
  if (budget !== undefined && (budget.exceeded || performance.now() > budget.deadline)) {
    budget.exceeded = true;
    return WITHHELD_MARKER;
  }
  return maskString(text, opts, budget, stats);
}

const maskNumberWithin = (literal: string, opts: MaskOptions, budget: MaskBudget | undefined, stats: MaskStats) => maskNumberText(literal, opts, budget, stats);
const maskSplitWithin = (parts: ReadonlyArray<string | null>, opts: MaskOptions, budget: MaskBudget | undefined, stats: MaskStats) => maskSplitNumber(parts, opts, budget, stats);

// ---- The traversal

/**
 * Masks a decoded request/response value. Strings, object keys and number texts anywhere are
 * masked as by maskText (a number whose text is PII becomes the marker string); under a sensitive
 * key, strings, numbers, arrays and objects become `"[SECRET]"` (null and booleans stay: they hide
 * nothing). A string value that is a writer marker (`"***"`, `[REDACTED:...]`) is kept and counted
 * as already redacted. Throws MaskRuleError for an invalid enabled custom rule.
 */
export function maskValue(value: unknown, opts: MaskOptions, budget: MaskBudget = maskBudget()): MaskValueResult {
  if (opts.enabled.custom) opts.custom.forEach(compileCustomRule); // fail fast, before any work
  const stats = emptyMaskStats();
  return { value: new Walker(opts, stats, budget).run(value), stats };
}

/** An array element's text as a part of a number split across elements (null: not a string or number). */
const splitPart = (x: unknown): string | null => (typeof x === 'string' ? x : x instanceof JsonNumber ? x.text : typeof x === 'number' ? String(x) : null);
const NO_SPLIT: ReadonlyArray<string | null> = [];

/** An output container being filled from its source, member by member. */
type Frame =
  | { kind: 'array'; src: readonly unknown[]; split: ReadonlyArray<string | null>; out: unknown[]; at: number }
  | { kind: 'members'; src: JsonObject; out: JsonObject; at: number }
  | { kind: 'plain'; src: Record<string, unknown>; keys: string[]; out: Record<string, unknown>; at: number };

class Walker {
  private readonly stack: Frame[] = [];
  private readonly sensitive: boolean;

  constructor(
    private readonly opts: MaskOptions,
    private readonly stats: MaskStats,
    private readonly budget: MaskBudget,
  ) {
    this.sensitive = opts.enabled['sensitive-key'];
  }

  run(value: unknown): unknown {
    const root = this.visit(value, false);
    const stack = this.stack;
    while (stack.length > 0) {
      const f = stack[stack.length - 1]!;
      if (f.kind === 'array') {
        if (f.at < f.src.length) {
          const marker = f.split[f.at];
          f.out.push(marker ?? this.visit(f.src[f.at], false));
          f.at++;
        } else stack.pop();
      } else if (f.kind === 'members') {
        if (f.at < f.src.entries.length) {
          const [k, v] = f.src.entries[f.at++]!;
          const secret = this.sensitive && isSensitiveKey(k);
          const key = this.key(k);
          f.out.entries.push([key, this.visit(v, secret) as JsonValue]);
        } else stack.pop();
      } else if (f.at < f.keys.length) {
        const k = f.keys[f.at++]!;
        const secret = this.sensitive && isSensitiveKey(k);
        let key = this.key(k);
        // two keys masked alike stay two members of a plain object
        for (let n = 2; key !== k && Object.hasOwn(f.out, key); n++) key = `${maskTextWithin(k, this.opts, this.budget)} #${n}`;
        const masked = this.visit(f.src[k], secret);
        // defineProperty: a JSON key "__proto__" must stay a plain property
        Object.defineProperty(f.out, key, { value: masked, enumerable: true, writable: true, configurable: true });
      } else stack.pop();
    }
    return root;
  }

  /** The masked copy of `v`; a container comes back empty and is filled as its frame is worked. */
  private visit(v: unknown, underSensitiveKey: boolean): unknown {
    if (underSensitiveKey && !isEmptyOrHarmless(v)) return this.secret(v);
    if (typeof v === 'string') {
      if (v === WRITER_SECRET_VALUE) {
        // the writer's list of sensitive keys is longer than anyone's; a "***" value is its work
        countSpan(this.stats, 'writer', 'sensitive-key');
        return v;
      }
      return this.text(v);
    }
    if (v instanceof JsonNumber) {
      const r = maskNumberWithin(v.text, this.opts, this.budget, this.stats);
      return r.kind === 'string' ? r.text : v;
    }
    if (typeof v === 'number') {
      const r = Number.isInteger(v) ? maskNumberWithin(String(v), this.opts, this.budget, this.stats) : null;
      return r?.kind === 'string' ? r.text : v;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      // A split number needs two elements or more: a one-element array (each level of a deeply nested
      // value) allocates nothing more.
      const split = v.length < 2 ? NO_SPLIT : maskSplitWithin(v.map(splitPart), this.opts, this.budget, this.stats);
      this.stack.push({ kind: 'array', src: v, split, out, at: 0 });
      return out;
    }
    if (v instanceof JsonObject) {
      const out = new JsonObject();
      this.stack.push({ kind: 'members', src: v, out, at: 0 });
      return out;
    }
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      this.stack.push({ kind: 'plain', src: v as Record<string, unknown>, keys: Object.keys(v), out, at: 0 });
      return out;
    }
    return v; // boolean, null, undefined
  }

  private text(s: string): string {
    return maskTextWithin(s, this.opts, this.budget, this.stats);
  }

  /** Keys are masked like values: an email used as a key is PII all the same. */
  private key(k: string): string {
    return this.text(k);
  }

  private secret(v: unknown): unknown {
    if (typeof v === 'string') {
      const kind = secretValueKind(v);
      if (kind === 'writer') countSpan(this.stats, 'writer', writerMarkerCategory(v));
      if (kind === 'own-marker') countSpan(this.stats, 'masked', ownMarkerCategory(v));
      if (kind !== 'mask') return v;
    }
    countSpan(this.stats, 'masked', 'sensitive-key');
    return MARKERS.secret;
  }
}

/** Under a sensitive key these are kept: null, booleans, empty strings/arrays/objects hide nothing. */
function isEmptyOrHarmless(v: unknown): boolean {
  if (v === null || v === undefined || typeof v === 'boolean' || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof JsonObject) return v.entries.length === 0;
  if (v instanceof JsonNumber || typeof v !== 'object') return false;
  return Object.keys(v).length === 0;
}
