import type { EnvelopeValue } from '../model';

/**
 * The serialization of an envelope value (`text` = JSON.stringify of it) with `key_id` and
 * `dek_wrapped` replaced: byte-identical to JSON.stringify of the parsed value with those two members
 * set (the members keep their places), without parsing. Each `"name":"value"` pair must occur exactly
 * once in `text` (otherwise, e.g. a nested object repeats it, the value is parsed and serialized).
 */
export function replaceEnvelopeKey(text: string, data: EnvelopeValue, keyId: string, dekWrapped: string): string {
  const k = `"key_id":${JSON.stringify(data.key_id)}`;
  const d = `"dek_wrapped":${JSON.stringify(data.dek_wrapped)}`;
  const ki = text.indexOf(k);
  const di = text.indexOf(d);
  if (ki > 0 && di > 0 && text.indexOf(k, ki + 1) < 0 && text.indexOf(d, di + 1) < 0) {
    const kNew = `"key_id":${JSON.stringify(keyId)}`;
    const dNew = `"dek_wrapped":${JSON.stringify(dekWrapped)}`;
    return ki < di
      ? text.slice(0, ki) + kNew + text.slice(ki + k.length, di) + dNew + text.slice(di + d.length)
      : text.slice(0, di) + dNew + text.slice(di + d.length, ki) + kNew + text.slice(ki + k.length);
  }
  const obj = JSON.parse(text) as Record<string, unknown>;
  obj.key_id = keyId;
  obj.dek_wrapped = dekWrapped;
  return JSON.stringify(obj);
}
