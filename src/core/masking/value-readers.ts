/**
 * Reading the value after a secret's key, in linear time from where the key ended. Each reader
 * returns the end (exclusive) of the value; unterminated values run to the end of their text (or
 * line), so a truncated `{"password":"hunt` still has its secret masked.
 */

/** End of a JSON string's content whose opening quote is just before `from`: the closing quote's index. */
export function jsonStringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i;
    if (c === 0x5c) i++;
  }
  return text.length;
}

const NUMBER_CHAR = /[\d.eE+-]/;

/** End of a JSON number literal starting at `from` (which holds `-` or a digit). */
export function jsonNumberEnd(text: string, from: number): number {
  let i = from + 1;
  while (i < text.length && NUMBER_CHAR.test(text[i]!)) i++;
  return i;
}

/** Characters that end an unquoted `key=value` value. */
const SETTING_STOP = new Set([...' \t\r\n\f\v"\'`&,;<>[](){}']);

/**
 * A `key=value` / `key: value` setting's value starting at `from`: quoted (to the closing quote on
 * the same line) or an unquoted token. Returns the content range, quotes excluded.
 */
export function settingValue(text: string, from: number): { start: number; end: number } {
  const q = text[from];
  if (q === '"' || q === "'") {
    let i = from + 1;
    while (i < text.length && text[i] !== q && text[i] !== '\n') i++;
    return { start: from + 1, end: i };
  }
  let i = from;
  while (i < text.length && !SETTING_STOP.has(text[i]!) && !/\s/.test(text[i]!)) i++;
  return { start: from, end: i };
}

/** End of the line (or of a quoted header value) starting at `from`. */
export function headerValueEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && !'\r\n"\'`'.includes(text[i]!)) i++;
  return i;
}
