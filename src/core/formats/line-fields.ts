/**
 * Line-level view of the encrypted values of a log line, for rewriting in place. Every value is
 * located by its exact serialization in the line, so a rewrite replaces only those bytes: all other
 * bytes of the line (field order, unknown fields, integer-like keys that a JSON parse would reorder)
 * stay exactly as written. A value whose serialization cannot be found exactly once is reported
 * (`unlocatable`) and its line is left untouched.
 */
import type { EncryptedField, FormatId } from '../model';
import { isEnvelopeValue } from './envelope';
import { isPlainObject, parseJsonObject, serializeJson } from './record-base';
import { isSymbiontEncryptedData, UPDATE_PREFIX } from './symbiont';
import { findTransitValues, timestampOf } from './transit-jsonl';

export type LineKind = 'entry' | 'update' | 'blank' | 'bad';

export interface LocatedField {
  field: EncryptedField;
  /** Exact text of the value in the line (a JSON object, or a quoted string for transit values). */
  text: string;
  at: number;
}

export interface LineFields {
  kind: LineKind;
  fields: LocatedField[];
  /** Why the line cannot be rewritten (unparseable, or a value not found verbatim). */
  problem: string | null;
  /** The entry's timestamp as the viewer shows it (null for blank, bad and UPDATE lines). */
  timestamp: string | null;
}

const BLANK = /^[ \t\r]*$/;

/**
 * The line's encrypted values. `locate` (rotation's rewrite) also requires each value to be written
 * verbatim once, so it can be replaced in place; a census that only opens values leaves it off.
 */
export function lineFields(text: string, format: FormatId, locate = true): LineFields {
  if (BLANK.test(text)) return { kind: 'blank', fields: [], problem: null, timestamp: null };
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.endsWith('\r')) body = body.slice(0, -1);
  const isUpdate = format === 'symbiont' && body.startsWith(UPDATE_PREFIX);
  const parsed = parseJsonObject(isUpdate ? body.slice(UPDATE_PREFIX.length) : body);
  const kind: LineKind = isUpdate ? 'update' : 'entry';
  if (!parsed.ok) return { kind: 'bad', fields: [], problem: parsed.error, timestamp: null };
  const obj = parsed.value;
  const timestamp = isUpdate ? null : format === 'transit-jsonl' ? timestampOf(obj) : typeof obj.timestamp === 'string' ? obj.timestamp : null;
  const candidates: EncryptedField[] = [];
  if (format === 'transit-jsonl') candidates.push(...findTransitValues(obj));
  else {
    for (const name of isUpdate ? ['response_data'] : ['request_data', 'response_data']) {
      const v = obj[name];
      if (!isPlainObject(v)) continue;
      if (format === 'symbiont' && isSymbiontEncryptedData(v)) {
        candidates.push({ kind: 'symbiont', path: [name], data: { ciphertext: v.ciphertext, nonce: v.nonce, salt: v.salt, algorithm: v.algorithm, kdf: v.kdf } });
      } else if (format === 'envelope' && isEnvelopeValue(v)) {
        candidates.push({ kind: 'envelope', path: [name], data: v });
      }
    }
  }
  const fields: LocatedField[] = [];
  if (!locate) return { kind, fields: candidates.map((field) => ({ field, text: '', at: -1 })), problem: null, timestamp };
  for (const field of candidates) {
    const raw = field.kind === 'transit' ? field.ciphertext : valueAt(obj, field.path);
    const t = serializeJson(raw); // iterative past the stack's depth: hostile nesting is located like any value
    const at = text.indexOf(t);
    if (at < 0 || text.indexOf(t, at + 1) >= 0) {
      return { kind, fields: [], problem: `${field.path.join('.')}: the value is not written as compact JSON (or appears twice); line left as it is`, timestamp };
    }
    fields.push({ field, text: t, at });
  }
  fields.sort((a, b) => a.at - b.at);
  return { kind, fields, problem: null, timestamp };
}

function valueAt(obj: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = obj;
  for (const p of path) v = (v as Record<string, unknown>)[p];
  return v;
}

/** The line with each located value replaced (same order as `fields`); everything else byte-identical. */
export function replaceFields(text: string, fields: LocatedField[], replacements: Array<string | null>): string {
  let out = '';
  let pos = 0;
  fields.forEach((f, i) => {
    out += text.slice(pos, f.at) + (replacements[i] ?? f.text);
    pos = f.at + f.text.length;
  });
  return out + text.slice(pos);
}

/** The line with every located value blanked: what must stay identical through a rewrite. */
export function skeleton(text: string, fields: LocatedField[]): string {
  return replaceFields(text, fields, fields.map((_, i) => `\u0000${i}\u0000`));
}
