import type { EnvelopeValue } from '../model';

/** One edit of a value's text: `from` (its length in UTF-16 units) at `at` becomes `to`. */
export interface TextEdit {
  at: number;
  from: number;
  to: string;
}

/**
 * The two edits that set `key_id` and `dek_wrapped` in the serialization of an envelope value (`text`
 * = JSON.stringify of it), in text order; null when a `"name":"value"` pair does not occur exactly
 * once in `text` (e.g. a nested object repeats it).
 */
export function envelopeKeyEdits(text: string, data: EnvelopeValue, keyId: string, dekWrapped: string): [TextEdit, TextEdit] | null {
  const k = `"key_id":${JSON.stringify(data.key_id)}`;
  const d = `"dek_wrapped":${JSON.stringify(data.dek_wrapped)}`;
  const ki = text.indexOf(k);
  const di = text.indexOf(d);
  if (ki <= 0 || di <= 0 || text.indexOf(k, ki + 1) >= 0 || text.indexOf(d, di + 1) >= 0) return null;
  const ke: TextEdit = { at: ki, from: k.length, to: `"key_id":${JSON.stringify(keyId)}` };
  const de: TextEdit = { at: di, from: d.length, to: `"dek_wrapped":${JSON.stringify(dekWrapped)}` };
  return ki < di ? [ke, de] : [de, ke];
}

/**
 * The serialization of an envelope value (`text` = JSON.stringify of it) with `key_id` and
 * `dek_wrapped` replaced: byte-identical to JSON.stringify of the parsed value with those two members
 * set (the members keep their places), without parsing when envelopeKeyEdits applies (otherwise the
 * value is parsed and serialized).
 */
export function replaceEnvelopeKey(text: string, data: EnvelopeValue, keyId: string, dekWrapped: string): string {
  const edits = envelopeKeyEdits(text, data, keyId, dekWrapped);
  if (edits) {
    const [a, b] = edits;
    return text.slice(0, a.at) + a.to + text.slice(a.at + a.from, b.at) + b.to + text.slice(b.at + b.from);
  }
  const obj = JSON.parse(text) as Record<string, unknown>;
  obj.key_id = keyId;
  obj.dek_wrapped = dekWrapped;
  return JSON.stringify(obj);
}
