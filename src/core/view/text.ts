/**
 * Bounded, display-safe text from (already masked) log values: one-line previews for the table and
 * transcript text for the conversation view. Every function here looks at a bounded prefix of its
 * input and never recurses, so hostile content (megabyte strings, 100,000-deep nesting, escape
 * sequences) costs the same as a short prompt.
 */
import { JsonNumber, JsonObject } from '../json';

/**
 * C0 controls (all of them for one-line text, all but tab/newline for blocks), DEL, C1 controls and
 * the bidi overrides/isolates that reorder what a reader sees: shown as `\xHH` / `\u{H}` escapes.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_BLOCK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_CHAR = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function escaped(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

const WS = /\s/;

/**
 * One line of at most `max` characters (plus `…` when cut): whitespace runs collapse to one space,
 * controls become escapes, a surrogate pair is never split. Reads at most `8 * max` input characters.
 */
export function oneLine(text: string, max = 160): string {
  const limit = Math.min(text.length, max * 8);
  let out = '';
  let space = false;
  let i = 0;
  for (; i < limit && out.length < max; i++) {
    const c = text[i]!;
    if (c === '\t' || c === '\n' || c === '\r' || (WS.test(c) && !UNSAFE_CHAR.test(c))) {
      space = out.length > 0;
      continue;
    }
    if (space) {
      if (out.length + 1 >= max) break;
      out += ' ';
      space = false;
    }
    if (UNSAFE_CHAR.test(c)) out += escaped(c);
    else {
      const code = c.charCodeAt(0);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        out += c + text[i + 1];
        i++;
      } else out += c;
    }
  }
  // only trailing whitespace left: nothing was cut
  while (i < text.length && i < limit && WS.test(text[i]!) && !UNSAFE_CHAR.test(text[i]!)) i++;
  return i < text.length ? `${out}…` : out;
}

/** Multi-line text of at most `max` characters: controls but tab/newline escaped; says how much was cut. */
export function boundedBlock(text: string, max = 4000): { text: string; cut: number } {
  const head = text.length > max ? text.slice(0, max) : text;
  let out = '';
  let last = 0;
  for (let i = 0; i < head.length; i++) {
    if (UNSAFE_BLOCK.test(head[i]!)) {
      out += head.slice(last, i) + escaped(head[i]!);
      last = i + 1;
    }
  }
  out += head.slice(last);
  // never end on half a surrogate pair
  const end = out.charCodeAt(out.length - 1);
  if (end >= 0xd800 && end <= 0xdbff) out = out.slice(0, -1);
  return { text: out, cut: text.length - head.length };
}

type Frame = { open: string; close: string; items: ReadonlyArray<readonly [string | null, unknown]>; at: number };

/** The first `max` members of a container (a huge one is never copied whole), else null. */
function membersOf(v: unknown, max: number): Frame | null {
  if (Array.isArray(v)) return { open: '[', close: ']', items: v.slice(0, max).map((x) => [null, x] as const), at: 0 };
  if (v instanceof JsonObject) return { open: '{', close: '}', items: v.entries.slice(0, max), at: 0 };
  if (v !== null && typeof v === 'object' && !(v instanceof JsonNumber)) {
    const items: [string, unknown][] = [];
    for (const k in v as Record<string, unknown>) {
      if (items.length >= max) break;
      if (Object.prototype.hasOwnProperty.call(v, k)) items.push([k, (v as Record<string, unknown>)[k]]);
    }
    return { open: '{', close: '}', items, at: 0 };
  }
  return null;
}

function scalar(v: unknown, max: number): string {
  if (typeof v === 'string') return JSON.stringify(v.length > max ? v.slice(0, max) : v);
  if (v instanceof JsonNumber) return v.text;
  return String(v);
}

/**
 * Compact JSON text of a lossless (or plain) value, cut after about `max` characters: iterative (any
 * depth), touching at most `max` members of each container it enters.
 */
export function compactJson(value: unknown, max = 400): string {
  let out = '';
  const stack: Frame[] = [];
  const emit = (v: unknown): void => {
    const f = membersOf(v, max);
    if (f) {
      out += f.open;
      stack.push(f);
    } else out += scalar(v, max);
  };
  emit(value);
  while (stack.length > 0 && out.length < max) {
    const f = stack[stack.length - 1]!;
    if (f.at >= f.items.length) {
      out += f.close;
      stack.pop();
      continue;
    }
    const [k, v] = f.items[f.at]!;
    if (f.at > 0) out += ', ';
    f.at++;
    if (k !== null) out += `${JSON.stringify(k.length > max ? k.slice(0, max) : k)}: `;
    emit(v);
  }
  return out.length > max || stack.length > 0 ? out.slice(0, max) : out;
}
