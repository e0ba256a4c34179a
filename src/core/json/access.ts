/** Reading a lossless tree or a plain JavaScript value the same way. */
import { stringifyJson as stringifyForPlain } from './stringify';
import { JsonNumber, JsonObject } from './types';

/** The member `key` of an object (lossless or plain), else undefined. */
export function fieldOf(v: unknown, key: string): unknown {
  if (v instanceof JsonObject) return v.get(key);
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber) && Object.prototype.hasOwnProperty.call(v, key)) {
    return (v as Record<string, unknown>)[key];
  }
  return undefined;
}

/**
 * Plain JavaScript of a lossless tree, as JSON.parse would give it (numbers rounded to doubles,
 * the last of duplicate keys). For code that only needs approximate values; never for display.
 */
export function toPlain(v: unknown): unknown {
  return JSON.parse(stringifyForPlain(v));
}
