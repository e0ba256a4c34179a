/**
 * Generic JSON lines where any string value may be a Vault transit ciphertext `vault:v<N>:<base64>`.
 * See FORMAT.md §3.
 */
import type { EncryptedField, LogRecord } from '../model';
import { badRecord, cleanLine, emptyRecord, isPlainObject, parseJsonObject, serializeJson, type JsonObject } from './record-base';

export const TRANSIT_VALUE = /^vault:v(\d+):[A-Za-z0-9+/=]+$/;

/** A step of a JSON path, linked to its parent: building a child costs O(1) whatever the depth. */
interface PathNode {
  parent: PathNode | null;
  step: string;
}

function pathOf(node: PathNode | null): string[] {
  const out: string[] = [];
  for (let n = node; n !== null; n = n.parent) out.push(n.step);
  return out.reverse();
}

/**
 * Every transit ciphertext in `root` (at most `limit`), depth-first in key order, with its JSON
 * path. Linear in the size of `root` plus the lengths of the paths returned; iterative.
 */
export function findTransitValues(root: unknown, limit = Infinity): EncryptedField[] {
  const out: EncryptedField[] = [];
  const stack: Array<{ value: unknown; at: PathNode | null }> = [{ value: root, at: null }];
  while (stack.length > 0 && out.length < limit) {
    const { value, at } = stack.pop()!;
    if (typeof value === 'string') {
      const m = TRANSIT_VALUE.exec(value);
      if (m) out.push({ kind: 'transit', path: pathOf(at), ciphertext: value, version: Number(m[1]) });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], at: { parent: at, step: String(i) } });
    } else if (isPlainObject(value)) {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: value[keys[i]!], at: { parent: at, step: keys[i]! } });
    }
  }
  return out;
}

/** A top-level timestamp: strings as written; numbers as epoch seconds (< 1e11) or milliseconds. */
export function timestampOf(obj: JsonObject): string | null {
  const v = obj.timestamp ?? obj.ts;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) {
    const d = new Date(Math.abs(v) < 1e11 ? v * 1000 : v);
    return Number.isNaN(d.getTime()) ? String(v) : d.toISOString();
  }
  return null;
}

/** One JSON line. Never throws. */
export function parseTransitLine(text: string, index: number, line: number): LogRecord {
  const parsed = parseJsonObject(cleanLine(text));
  if (!parsed.ok) return badRecord(index, line, parsed.error);
  const obj = parsed.value;
  const id = typeof obj.id === 'string' ? obj.id : typeof obj.id === 'number' ? String(obj.id) : null;
  return { ...emptyRecord(index, line), id, timestamp: timestampOf(obj), raw: obj, fields: findTransitValues(obj) };
}

export function serializeTransitLine(raw: JsonObject): string {
  return serializeJson(raw);
}
