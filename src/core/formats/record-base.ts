import { stringifyJson } from '../json';
import type { LogRecord, TokenUsage } from '../model';

export type JsonObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strips a UTF-8 BOM and a trailing CR (CRLF files). */
export function cleanLine(text: string): string {
  let s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (s.endsWith('\r')) s = s.slice(0, -1);
  return s;
}

export type ParsedObject = { ok: true; value: JsonObject } | { ok: false; error: string };

/** Parses a line as one JSON object; never throws. */
export function parseJsonObject(text: string): ParsedObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `invalid JSON: ${(e as Error).message}` };
  }
  if (!isPlainObject(value)) return { ok: false, error: `not a JSON object (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})` };
  return { ok: true, value };
}

/**
 * Compact JSON as serde_json writes it (same escaping, no spaces), keys in their parsed order.
 * JS caveat: object keys that look like array indices ("0", "12") come first after a parse.
 */
export function serializeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    // JSON.stringify recurses: past a few thousand levels it overflows the stack
    if (e instanceof RangeError) return stringifyJson(value);
    throw e;
  }
}

/** True when serializeJson(parse(text)) reproduces `text` byte for byte. */
export function roundTripsExactly(text: string): boolean {
  const p = parseJsonObject(text);
  return p.ok && serializeJson(p.value) === text;
}

export function emptyRecord(index: number, line: number): LogRecord {
  return {
    index,
    line,
    id: null,
    timestamp: null,
    agentId: null,
    interactionType: null,
    modelIdentifier: null,
    latencyMs: null,
    tokenUsage: null,
    metadata: null,
    error: null,
    fields: [],
    raw: null,
    updateLines: [],
    parseError: null,
  };
}

export function badRecord(index: number, line: number, parseError: string): LogRecord {
  return { ...emptyRecord(index, line), parseError };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function tokenUsage(v: unknown): TokenUsage | null {
  if (!isPlainObject(v)) return null;
  const input = num(v.input_tokens);
  const output = num(v.output_tokens);
  const total = num(v.total_tokens);
  return input === null || output === null || total === null ? null : { input_tokens: input, output_tokens: output, total_tokens: total };
}

function stringMap(v: unknown): Record<string, string> | null {
  if (!isPlainObject(v)) return null;
  const out: Record<string, string> = {};
  for (const k of Object.keys(v)) {
    const x = v[k];
    out[k] = typeof x === 'string' ? x : serializeJson(x);
  }
  return out;
}

/**
 * The plaintext, well-known top-level fields; ill-typed ones are left null. Built as one literal in
 * LogRecord's key order (a spread of `rec` cost more than the JSON.parse of the line).
 */
export function withCommonFields(rec: LogRecord, obj: JsonObject): LogRecord {
  return {
    index: rec.index,
    line: rec.line,
    id: str(obj.id),
    timestamp: str(obj.timestamp),
    agentId: str(obj.agent_id),
    interactionType: str(obj.interaction_type),
    modelIdentifier: str(obj.model_identifier),
    latencyMs: num(obj.latency_ms),
    tokenUsage: tokenUsage(obj.token_usage),
    metadata: stringMap(obj.metadata),
    error: str(obj.error),
    fields: rec.fields,
    raw: obj,
    updateLines: rec.updateLines,
    parseError: rec.parseError,
  };
}
