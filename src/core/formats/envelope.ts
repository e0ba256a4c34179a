/**
 * Envelope log (the project's own rotatable format): Symbiont's entry shape, with request_data and
 * response_data as envelope values `{version, alg, key_id, dek_wrapped, nonce, ciphertext}`. See FORMAT.md §2.
 */
import type { EncryptedField, EnvelopeValue, LogRecord } from '../model';
import { missingStrings, recordFromEntry } from './entry-shape';
import { badRecord, cleanLine, isPlainObject, parseJsonObject, serializeJson, type JsonObject } from './record-base';

export const TRANSIT_KEY_ID_PREFIX = 'vault-transit:';
const STRING_KEYS = ['alg', 'key_id', 'dek_wrapped', 'nonce', 'ciphertext'] as const;

/** True when `v` has the envelope shape (types only: version/alg support is the crypto's business). */
export function isEnvelopeValue(v: unknown): v is EnvelopeValue {
  return isPlainObject(v) && typeof v.version === 'number' && missingStrings(v, STRING_KEYS) === null;
}

/** `vault-transit:<name>` -> `<name>`, else null. */
export function transitKeyName(keyId: string): string | null {
  return keyId.startsWith(TRANSIT_KEY_ID_PREFIX) ? keyId.slice(TRANSIT_KEY_ID_PREFIX.length) : null;
}

function decodeEnvelopeField(value: JsonObject, path: string[]): EncryptedField | string {
  if (typeof value.version !== 'number') return 'version missing or not a number';
  const missing = missingStrings(value, STRING_KEYS);
  if (missing !== null) return missing;
  const data: EnvelopeValue = {
    version: value.version,
    alg: value.alg as string,
    key_id: value.key_id as string,
    dek_wrapped: value.dek_wrapped as string,
    nonce: value.nonce as string,
    ciphertext: value.ciphertext as string,
  };
  return { kind: 'envelope', path, data };
}

/** One envelope-log line. Never throws. */
export function parseEnvelopeEntry(text: string, index: number, line: number): LogRecord {
  const parsed = parseJsonObject(cleanLine(text));
  if (!parsed.ok) return badRecord(index, line, parsed.error);
  return recordFromEntry(parsed.value, index, line, decodeEnvelopeField);
}

export function serializeEnvelopeEntry(raw: JsonObject): string {
  return serializeJson(raw);
}
