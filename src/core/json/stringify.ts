/**
 * Compact JSON text of a lossless tree — or of plain JavaScript values, or a mix of both
 * (JsonNumber written as its source text, JsonObject members in order, duplicates kept). Iterative:
 * any depth. Strings are escaped as JSON.stringify (and serde_json) escape them.
 */
import { JsonNumber, JsonObject } from './types';

/** An open container: the members still to write are `at` onwards. */
type Frame =
  | { kind: 'array'; items: readonly unknown[]; at: number }
  | { kind: 'members'; items: ReadonlyArray<readonly [string, unknown]>; at: number }
  | { kind: 'plain'; obj: Record<string, unknown>; keys: string[]; at: number; wrote: boolean };

const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export function quoteJson(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

export function stringifyJson(value: unknown): string {
  let out = '';
  const stack: Frame[] = [];
  let v: unknown = value;
  for (;;) {
    // write v: a scalar, or the opening of a container
    if (typeof v === 'string') out += quoteJson(v);
    else if (v instanceof JsonNumber) out += v.text;
    else if (typeof v === 'number') out += Number.isFinite(v) ? String(v) : 'null';
    else if (typeof v === 'boolean') out += v ? 'true' : 'false';
    else if (typeof v === 'bigint') out += v.toString();
    else if (Array.isArray(v)) {
      out += '[';
      stack.push({ kind: 'array', items: v, at: 0 });
    } else if (v instanceof JsonObject) {
      out += '{';
      stack.push({ kind: 'members', items: v.entries, at: 0 });
    } else if (v !== null && typeof v === 'object') {
      out += '{';
      stack.push({ kind: 'plain', obj: v as Record<string, unknown>, keys: Object.keys(v), at: 0, wrote: false });
    } else out += 'null';

    // find the next value to write, closing finished containers
    let next = false;
    while (!next && stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.kind === 'array') {
        if (top.at < top.items.length) {
          if (top.at > 0) out += ',';
          const x = top.items[top.at++];
          v = x === undefined || typeof x === 'function' ? null : x;
          next = true;
        } else {
          out += ']';
          stack.pop();
        }
      } else if (top.kind === 'members') {
        if (top.at < top.items.length) {
          if (top.at > 0) out += ',';
          const m = top.items[top.at++]!;
          out += quoteJson(m[0]) + ':';
          v = m[1];
          next = true;
        } else {
          out += '}';
          stack.pop();
        }
      } else {
        while (top.at < top.keys.length && !next) {
          const k = top.keys[top.at++]!;
          const x = top.obj[k];
          if (x === undefined || typeof x === 'function') continue;
          out += (top.wrote ? ',' : '') + quoteJson(k) + ':';
          top.wrote = true;
          v = x;
          next = true;
        }
        if (!next) {
          out += '}';
          stack.pop();
        }
      }
    }
    if (!next) return out;
  }
}
