/**
 * Symbiont model I/O log: one serde_json entry per line, plus `UPDATE: {...}` lines that carry the
 * response of an earlier (or, out of order, later) entry with the same id. See FORMAT.md §1.
 */
import type { EncryptedField, LogRecord, SymbiontEncryptedData } from '../model';
import { recordFromEntry, missingStrings } from './entry-shape';
import { badRecord, cleanLine, isPlainObject, parseJsonObject, serializeJson, type JsonObject } from './record-base';

export const UPDATE_PREFIX = 'UPDATE: ';
const DATA_KEYS = ['ciphertext', 'nonce', 'salt', 'algorithm', 'kdf'] as const;

/** serde field order of an entry, used when building new ones. */
export const SYMBIONT_ENTRY_KEYS = [
  'id', 'agent_id', 'interaction_type', 'timestamp', 'latency_ms', 'model_identifier',
  'request_data', 'response_data', 'metadata', 'error', 'token_usage',
] as const;
/** serde field order of an UPDATE object. */
export const SYMBIONT_UPDATE_KEYS = ['id', 'response_data', 'latency_ms', 'token_usage', 'error', 'updated_at'] as const;

export function isSymbiontEncryptedData(v: unknown): v is SymbiontEncryptedData {
  return isPlainObject(v) && missingStrings(v, DATA_KEYS) === null;
}

function decodeSymbiontField(value: JsonObject, path: string[]): EncryptedField | string {
  const missing = missingStrings(value, DATA_KEYS);
  if (missing !== null) return missing;
  const data: SymbiontEncryptedData = {
    ciphertext: value.ciphertext as string,
    nonce: value.nonce as string,
    salt: value.salt as string,
    algorithm: value.algorithm as string,
    kdf: value.kdf as string,
  };
  return { kind: 'symbiont', path, data };
}

export function isUpdateLine(text: string): boolean {
  return text.startsWith(UPDATE_PREFIX);
}

/** One entry line, before any UPDATE is merged. Never throws. */
export function parseSymbiontEntry(text: string, index: number, line: number): LogRecord {
  const clean = cleanLine(text);
  if (isUpdateLine(clean)) return badRecord(index, line, 'an UPDATE line is not an entry');
  const parsed = parseJsonObject(clean);
  if (!parsed.ok) return badRecord(index, line, parsed.error);
  return recordFromSymbiontObject(parsed.value, index, line);
}

export function recordFromSymbiontObject(obj: JsonObject, index: number, line: number): LogRecord {
  return recordFromEntry(obj, index, line, decodeSymbiontField);
}

export interface SymbiontUpdate {
  id: string;
  line: number;
  /** The whole UPDATE object (id included), keys in file order. */
  value: JsonObject;
}

export type ParsedUpdate = { ok: true; update: SymbiontUpdate } | { ok: false; line: number; error: string };

/** One `UPDATE: {...}` line. Never throws. */
export function parseSymbiontUpdate(text: string, line: number): ParsedUpdate {
  const clean = cleanLine(text);
  if (!isUpdateLine(clean)) return { ok: false, line, error: 'not an UPDATE line' };
  const parsed = parseJsonObject(clean.slice(UPDATE_PREFIX.length));
  if (!parsed.ok) return { ok: false, line, error: parsed.error };
  const id = parsed.value.id;
  if (typeof id !== 'string') return { ok: false, line, error: 'UPDATE has no string id' };
  return { ok: true, update: { id, line, value: parsed.value } };
}

/**
 * Merges the updates whose id equals the record's (others are ignored) in the order given:
 * every key of an update but `id` overrides or extends the entry (response_data, latency_ms,
 * token_usage, error, updated_at). Returns a new record; bad records are returned unchanged.
 */
export function mergeSymbiontUpdates(record: LogRecord, updates: readonly SymbiontUpdate[]): LogRecord {
  if (record.parseError !== null || record.raw === null || record.id === null) return record;
  const mine = updates.filter((u) => u.id === record.id);
  if (mine.length === 0) return record;
  const merged: JsonObject = { ...record.raw };
  for (const u of mine) for (const [k, v] of Object.entries(u.value)) if (k !== 'id') merged[k] = v;
  const out = recordFromSymbiontObject(merged, record.index, record.line);
  return { ...out, updateLines: [...record.updateLines, ...mine.map((u) => u.line)] };
}

/** An entry line as serde writes it (no newline). */
export function serializeSymbiontEntry(raw: JsonObject): string {
  return serializeJson(raw);
}

/** An UPDATE line as Symbiont writes it (no newline). */
export function serializeSymbiontUpdate(value: JsonObject): string {
  return UPDATE_PREFIX + serializeJson(value);
}
