import type { DecryptedEntry, EncryptedField, FailureReason, LogRecord } from './model';
import type { FieldResult } from './keys/types';

/** Plaintext bytes to a value: JSON when it parses, text otherwise. */
export function decodePlaintext(plaintext: Buffer): unknown {
  const text = plaintext.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isRequestField(f: EncryptedField): boolean {
  return f.path.length === 1 && f.path[0] === 'request_data';
}
function isResponseField(f: EncryptedField): boolean {
  return f.path.length === 1 && f.path[0] === 'response_data';
}

function setAtPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string, unknown>;
  node[path[path.length - 1]] = value;
}

/**
 * Builds the decrypted view of one record from the results of its fields (same order as record.fields).
 * Request/response come from `request_data`/`response_data`; other encrypted fields (generic transit
 * JSON lines) are substituted in place into a copy of the record, which becomes the request.
 */
export function assembleEntry(record: LogRecord, results: FieldResult[]): DecryptedEntry {
  if (record.parseError !== null) return entryOf(record, 'error', null, null, null, record.parseError, 'corrupt');
  let request: unknown = null;
  let response: unknown = null;
  let key: string | null = null;
  const failures: string[] = [];
  let reason: FailureReason | null = null;
  const generic = record.fields.some((f) => !isRequestField(f) && !isResponseField(f));
  const substituted: Record<string, unknown> | null = generic && record.raw ? structuredClone(record.raw) : null;

  record.fields.forEach((field, i) => {
    const r = results[i];
    if (!r.ok) {
      failures.push(`${field.path.join('.')}: ${r.message}`);
      reason ??= r.reason;
      return;
    }
    key ??= r.key.label;
    const value = decodePlaintext(r.plaintext);
    r.plaintext.fill(0);
    if (isRequestField(field)) request = value;
    else if (isResponseField(field)) response = value;
    else if (substituted) setAtPath(substituted, field.path, value);
  });
  if (substituted) request = substituted;
  if (record.fields.length === 0) {
    failures.push('no encrypted field found in this entry');
    reason = 'corrupt';
  }
  const ok = failures.length === 0;
  return entryOf(record, ok ? 'ok' : 'error', key, request, response, ok ? null : failures.join('; '), ok ? null : reason);
}

/**
 * One literal, fields in DecryptedEntry's order. (It was `{ ...base, status, ... }`: V8 took that
 * spread-then-extend off its fast path, and it cost several times the JSON.parse of both plaintexts.)
 */
function entryOf(
  record: LogRecord,
  status: DecryptedEntry['status'],
  key: string | null,
  request: unknown,
  response: unknown,
  error: string | null,
  reason: FailureReason | null,
): DecryptedEntry {
  return { index: record.index, line: record.line, id: record.id, timestamp: record.timestamp, record, status, key, request, response, error, reason };
}
