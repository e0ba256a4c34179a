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
  const rec = withCommonFields(emptyRecord(index, line), obj);
  const fields: EncryptedField[] = [];
  for (const name of ENTRY_FIELDS) {
    const value = obj[name];
    if (value === null || (value === undefined && name === 'response_data')) continue;
    if (!isPlainObject(value)) return { ...rec, parseError: `${name} is ${value === undefined ? 'missing' : 'not an object'}` };
    const field = decode(value, [name]);
    if (typeof field === 'string') return { ...rec, parseError: `${name}: ${field}` };
    fields.push(field);
  }
  if (rec.id === null) return { ...rec, parseError: 'id is missing or not a string' };
  return { ...rec, fields };
}

/** Missing or non-string properties among `keys`, or null when all are strings. */
export function missingStrings(value: JsonObject, keys: readonly string[]): string | null {
  const bad = keys.filter((k) => typeof value[k] !== 'string');
  return bad.length === 0 ? null : `${bad.join(', ')} missing or not a string`;
}
