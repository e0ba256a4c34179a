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
import { addSpansToStats, countSpan, emptyMaskStats } from './stats';
import { maskText } from './mask-text';
import { WRITER_SECRET_VALUE, writerMarkerCategory } from './writer-markers';
import type { MaskOptions, MaskStats, MaskTextResult, MaskValueResult } from './types';

/** Put in place of every string, number and key not yet scanned when an entry's budget ran out. */
export const WITHHELD_MARKER = '[WITHHELD]';

/** A time budget shared by everything masked for one entry (request, response, plaintext fields). */
export interface MaskBudget {
  /** performance.now() after which scanning stops. */
  deadline: number;
  /** Set once the deadline passed: every value not yet scanned was withheld. */
  exceeded: boolean;
}

export const DEFAULT_ENTRY_MASK_BUDGET_MS = 2000;

export function maskBudget(ms: number = DEFAULT_ENTRY_MASK_BUDGET_MS): MaskBudget {
  return { deadline: performance.now() + ms, exceeded: false };
}

/**
 * The text-level masking every string, key and number text goes through: the one place to swap
 * for the text engine's budgeted API.
 */
export function maskTextWithin(text: string, opts: MaskOptions, budget: MaskBudget | undefined): MaskTextResult {
  if (budget !== undefined && (budget.exceeded || performance.now() > budget.deadline)) {
    budget.exceeded = true;
    return { text: WITHHELD_MARKER, spans: [] };
  }
  return maskText(text, opts);
}

/**
 * Masks a decoded request/response value. Strings, object keys and number texts anywhere are
 * masked as by maskText (a number whose text is PII becomes the marker string); under a sensitive
 * key, strings, numbers, arrays and objects become `"[SECRET]"` (null and booleans stay: they hide
 * nothing). A string value that is a writer marker (`"***"`, `[REDACTED:...]`) is kept and counted
 * as already redacted. Throws MaskRuleError for an invalid enabled custom rule.
 */
export function maskValue(value: unknown, opts: MaskOptions, budget?: MaskBudget): MaskValueResult {
  if (opts.enabled.custom) opts.custom.forEach(compileCustomRule); // fail fast, before any work
  const stats = emptyMaskStats();
  return { value: new Walker(opts, stats, budget).run(value), stats };
}

/** An output container being filled from its source, member by member. */
type Frame =
  | { kind: 'array'; src: readonly unknown[]; out: unknown[]; at: number }
  | { kind: 'members'; src: JsonObject; out: JsonObject; at: number }
  | { kind: 'plain'; src: Record<string, unknown>; keys: string[]; out: Record<string, unknown>; at: number };

class Walker {
  private readonly stack: Frame[] = [];
  private readonly sensitive: boolean;

  constructor(
    private readonly opts: MaskOptions,
    private readonly stats: MaskStats,
    private readonly budget: MaskBudget | undefined,
  ) {
    this.sensitive = opts.enabled['sensitive-key'];
  }

  run(value: unknown): unknown {
    const root = this.visit(value, false);
    const stack = this.stack;
    while (stack.length > 0) {
      const f = stack[stack.length - 1]!;
      if (f.kind === 'array') {
        if (f.at < f.src.length) f.out.push(this.visit(f.src[f.at++], false));
        else stack.pop();
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
        const key = this.key(k);
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
      const masked = this.text(v.text);
      return masked === v.text ? v : masked;
    }
    if (typeof v === 'number') {
      const text = String(v);
      const masked = this.text(text);
      return masked === text ? v : masked;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      this.stack.push({ kind: 'array', src: v, out, at: 0 });
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
    const r = maskTextWithin(s, this.opts, this.budget);
    addSpansToStats(this.stats, r.spans);
    return r.text;
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
