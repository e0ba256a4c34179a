import type { EncryptedField, LogRecord } from '../model';
import { isPlainObject, type JsonObject, withCommonFields, emptyRecord } from './record-base';

/** Checks one encrypted value; returns the field, or a message saying what is wrong. */
export type FieldDecoder = (value: JsonObject, path: string[]) => EncryptedField | string;

export const ENTRY_FIELDS = ['request_data', 'response_data'] as const;

/**
 * A Symbiont-shaped entry (Symbiont log and envelope log): request_data required, response_data
 * null until answered. A malformed encrypted value makes the record a parse error with no fields.
 */
export function recordFromEntry(obj: JsonObject, index: number, line: number, decode: FieldDecoder): LogRecord {
  // `rec` is a fresh object of ours: set its fields/parseError in place rather than copy it again.
  const rec = withCommonFields(emptyRecord(index, line), obj);
  const fields: EncryptedField[] = [];
  for (const name of ENTRY_FIELDS) {
    const value = obj[name];
    if (value === null || (value === undefined && name === 'response_data')) continue;
    if (!isPlainObject(value)) return withError(rec, `${name} is ${value === undefined ? 'missing' : 'not an object'}`);
    const field = decode(value, [name]);
    if (typeof field === 'string') return withError(rec, `${name}: ${field}`);
    fields.push(field);
  }
  if (rec.id === null) return withError(rec, 'id is missing or not a string');
  rec.fields = fields;
  return rec;
}

function withError(rec: LogRecord, parseError: string): LogRecord {
  rec.parseError = parseError;
  return rec;
}

/** Missing or non-string properties among `keys`, or null when all are strings. */
export function missingStrings(value: JsonObject, keys: readonly string[]): string | null {
  let allStrings = true;
  for (let i = 0; i < keys.length && allStrings; i++) allStrings = typeof value[keys[i]!] === 'string';
  if (allStrings) return null;
  const bad = keys.filter((k) => typeof value[k] !== 'string');
  return bad.length === 0 ? null : `${bad.join(', ')} missing or not a string`;
}
