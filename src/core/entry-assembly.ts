import { JsonObject, parseJson, type JsonValue } from './json';
import type { DecryptedEntry, EncryptedField, FailureReason, LogRecord } from './model';
import type { FieldResult } from './keys/types';

/**
 * Plaintext bytes to a value: the lossless JSON tree when it is JSON (numbers keep their text,
 * duplicate keys their place), the text otherwise.
 */
export function decodePlaintext(plaintext: Buffer): JsonValue {
  const text = plaintext.toString('utf8');
  try {
    return parseJson(text);
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

/**
 * Sets `value` at `path` in `root`, copying each container on the way the first time it is
 * touched (`copies`), so the record's own parse stays as it was. Linear in the path, any depth.
 */
function setAtPath(root: unknown, path: readonly string[], value: unknown, copies: WeakSet<object>): unknown {
  const copy = (c: unknown): unknown => {
    if (c === null || typeof c !== 'object' || copies.has(c)) return c;
    const out = Array.isArray(c) ? [...c] : c instanceof JsonObject ? new JsonObject([...c.entries]) : Object.defineProperties({}, Object.getOwnPropertyDescriptors(c));
    copies.add(out);
    return out;
  };
  const top = copy(root);
  let node = top as Record<string, unknown>;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    const next = i === path.length - 1 ? value : copy(node[step]);
    node[step] = next;
    node = next as Record<string, unknown>;
  }
  return top;
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
  let substituted: unknown = generic ? record.raw : null;
  const copies = new WeakSet<object>();

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
    else if (substituted) substituted = setAtPath(substituted, field.path, value, copies);
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
