/**
 * What masking reads besides the text itself: the text with its encodings undone, so that
 * `jane\u0040corp.com`, `jane%40corp.com`, `jane&#64;corp.com`, `{\"password\":\"x\"}` (JSON in a
 * string), `４１１１ １１１１ …` (fullwidth digits) and base64-wrapped secrets are seen for what they
 * are. A view keeps, for each of its characters, the offset in the text it came from, so what is
 * found in the view is masked in the original text.
 */

export interface DecodedView {
  text: string;
  /** origin[i]: offset in the source of view character i; origin[text.length]: the source's length. */
  origin: Int32Array;
  /** Whether backslash escapes were undone: replacements must then be escaped back. */
  unescaped: boolean;
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", commat: '@', period: '.', colon: ':', plus: '+', num: '#' };
/** Code points of the digit 0 of the decimal digit blocks folded to ASCII. */
const DIGIT_ZEROS = [0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xe50, 0xed0, 0xf20, 0x1040, 0x17e0, 0x1810, 0xff10];

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const hexValue = (c: number) => (c <= 57 ? c - 48 : (c | 0x20) - 87);
function hexAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k);
    if (!isHex(c)) return -1;
    v = v * 16 + hexValue(c);
  }
  return v;
}

/** ASCII for a fullwidth form, a non-ASCII digit, dash or space; null for anything else. */
function folded(c: number): string | null {
  if (c < 0xa0) return null;
  if (c >= 0xff01 && c <= 0xff5e) return String.fromCharCode(c - 0xfee0);
  if (c === 0x3000 || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f) return ' ';
  if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0xfe63) return '-';
  if (c === 0xfe6b) return '@';
  for (const z of DIGIT_ZEROS) if (c >= z && c <= z + 9) return String.fromCharCode(48 + c - z);
  return null;
}

/** What the last successful decodeAt yielded (module state: no allocation per decoded item). */
let yielded = '';
let yieldedEscape = false;

function yieldText(len: number, text: string, escape: boolean): number {
  yielded = text;
  yieldedEscape = escape;
  return len;
}

/** The UTF-8 sequence of %XX escapes at i: its length in source characters (0: none). */
function percentAt(s: string, i: number): number {
  const b0 = hexAt(s, i + 1, 2);
  if (b0 < 0) return 0;
  const n = b0 < 0x80 ? 1 : b0 >= 0xc2 && b0 < 0xe0 ? 2 : b0 >= 0xe0 && b0 < 0xf0 ? 3 : b0 >= 0xf0 && b0 < 0xf5 ? 4 : 0;
  if (n <= 1) return yieldText(3, String.fromCharCode(b0), false);
  let cp = b0 & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const b = s.charCodeAt(i + 3 * k) === 0x25 ? hexAt(s, i + 3 * k + 1, 2) : -1;
    if (b < 0x80 || b > 0xbf) return yieldText(3, String.fromCharCode(b0), false);
    cp = (cp << 6) | (b & 0x3f);
  }
  return yieldText(3 * n, String.fromCodePoint(cp), false);
}

const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([a-z]{2,6}));/y;

/** The decoding at `i`: how many source characters it consumes (0: none); what it yields is in `yielded`. */
function decodeAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x5c) {
    const next = s[i + 1];
    if (next === undefined) return 0;
    if (next === 'u' || next === 'x') {
      const n = next === 'u' ? 4 : 2;
      const cp = hexAt(s, i + 2, n);
      return cp < 0 ? 0 : yieldText(2 + n, String.fromCharCode(cp), true);
    }
    const simple = SIMPLE_ESCAPES[next];
    return simple === undefined ? 0 : yieldText(2, simple, true);
  }
  if (c === 0x25) return percentAt(s, i);
  if (c === 0x26) {
    ENTITY.lastIndex = i;
    const m = ENTITY.exec(s);
    if (!m) return 0;
    const cp = m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? parseInt(m[2], 16) : -1;
    if (cp > 0x10ffff) return 0;
    const text = cp >= 0 ? String.fromCodePoint(cp) : NAMED_ENTITIES[m[3]!];
    return text === undefined ? 0 : yieldText(m[0].length, text, false);
  }
  const f = folded(c);
  return f === null ? 0 : yieldText(1, f, false);
}

/**
 * One decoding pass: backslash escapes (JSON, JS), percent-encoding (UTF-8), HTML character
 * references, fullwidth forms and non-ASCII digits, dashes and spaces. Null when nothing decodes.
 * Linear: every step consumes at least one source character and yields at most two.
 */
export function decodedView(s: string): DecodedView | null {
  let buf: Uint16Array | null = null;
  let origin: Int32Array | null = null;
  let out = 0;
  let unescaped = false;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    const len = c === 0x5c || c === 0x25 || c === 0x26 || c >= 0xa0 ? decodeAt(s, i) : 0;
    if (len === 0) {
      if (buf !== null) {
        buf[out] = c;
        origin![out++] = i;
      }
      i++;
      continue;
    }
    if (buf === null || origin === null) {
      buf = new Uint16Array(s.length);
      origin = new Int32Array(s.length + 1);
      for (; out < i; out++) {
        buf[out] = s.charCodeAt(out);
        origin[out] = out;
      }
    }
    for (let k = 0; k < yielded.length; k++) {
      buf[out] = yielded.charCodeAt(k);
      origin[out++] = i;
    }
    unescaped ||= yieldedEscape;
    i += len;
  }
  if (buf === null || origin === null) return null;
  origin[out] = s.length;
  return { text: utf16.decode(buf.subarray(0, out)), origin: origin.subarray(0, out + 1), unescaped };
}

const utf16 = new TextDecoder('utf-16le');

/**
 * Runs of the base64 (or base64url) alphabet long enough to hide a secret; `=` padding ends a run
 * whatever follows it (`…bQ==jane` is a run and a word).
 */
const BASE64_RUN = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}(?:={1,2}|(?![A-Za-z0-9+/=_-]))/g;

/**
 * Whether `s` may hold something decodedView decodes (a quick over-approximation: the Indic digit
 * blocks are taken with their scripts).
 */
const MAY_DECODE =
  /\\[u"'\\/bfnrtx]|%[0-9A-Fa-f]{2}|&(?:#|[a-z]{2,6};)|[\u00a0\u0660-\u0669\u06f0-\u06f9\u07c0-\u07c9\u0966-\u0f29\u1040-\u1049\u17e0-\u1819\u2000-\u2015\u202f\u2212\u3000\ufe63\ufe6b\uff01-\uff5e]/;

export function mayHoldEscapes(s: string): boolean {
  return MAY_DECODE.test(s);
}

const BASE64_CHAR = /[A-Za-z0-9+/=_-]/;

/** Whether 16 base64 characters end at `end` or start at `start` (a run next to that place). */
export function base64RunTouches(s: string, start: number, end: number): boolean {
  let before = 0;
  while (before < 16 && end - before - 1 >= 0 && BASE64_CHAR.test(s[end - before - 1]!)) before++;
  let after = 0;
  while (after < 16 && start + after < s.length && BASE64_CHAR.test(s[start + after]!)) after++;
  return before === 16 || after === 16;
}

/** A run of the base64 alphabet, with its decoding when that is printable UTF-8 text. */
export interface Base64Run {
  start: number;
  end: number;
  token: string;
  text: string | null;
}

/** Runs of 16+ characters of the base64 (or base64url) alphabet in `s`. */
export function base64Runs(s: string): Base64Run[] {
  const out: Base64Run[] = [];
  BASE64_RUN.lastIndex = 0;
  for (let m = BASE64_RUN.exec(s); m !== null; m = BASE64_RUN.exec(s)) {
    const token = m[0];
    let text: string | null = null;
    if (!(/[+/]/.test(token) && /[_-]/.test(token))) {
      text = Buffer.from(token, /[_-]/.test(token) ? 'base64url' : 'base64').toString('utf8');
      if (text.length < 4 || !isPrintable(text)) text = null;
    }
    out.push({ start: m.index, end: m.index + token.length, token, text });
  }
  return out;
}

/** Valid UTF-8 text with at most 5% control characters. */
function isPrintable(text: string): boolean {
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd) return false;
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || (c >= 0x7f && c < 0xa0)) bad++;
  }
  return bad * 20 <= text.length;
}
