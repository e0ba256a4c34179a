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
const hexAt = (s: string, i: number, n: number): number => {
  for (let k = 0; k < n; k++) if (!isHex(s.charCodeAt(i + k))) return -1;
  return parseInt(s.slice(i, i + n), 16);
};

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

/** Length of the UTF-8 sequence of %XX escapes at i and its code point, or null. */
function percentSequence(s: string, i: number): { len: number; text: string } | null {
  const b0 = s[i] === '%' ? hexAt(s, i + 1, 2) : -1;
  if (b0 < 0) return null;
  const n = b0 < 0x80 ? 1 : b0 >= 0xc2 && b0 < 0xe0 ? 2 : b0 >= 0xe0 && b0 < 0xf0 ? 3 : b0 >= 0xf0 && b0 < 0xf5 ? 4 : 0;
  if (n === 0) return { len: 3, text: String.fromCharCode(b0) };
  let cp = n === 1 ? b0 : b0 & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const b = s[i + 3 * k] === '%' ? hexAt(s, i + 3 * k + 1, 2) : -1;
    if (b < 0x80 || b > 0xbf) return { len: 3, text: String.fromCharCode(b0) };
    cp = (cp << 6) | (b & 0x3f);
  }
  return { len: 3 * n, text: String.fromCodePoint(cp) };
}

/** The decoding at `i`: how many source characters it consumes and what it yields; null: none. */
function decodeAt(s: string, i: number): { len: number; text: string; escape: boolean } | null {
  const c = s.charCodeAt(i);
  if (c === 0x5c) {
    const next = s[i + 1];
    if (next === undefined) return null;
    if (next === 'u') {
      const cp = hexAt(s, i + 2, 4);
      return cp < 0 ? null : { len: 6, text: String.fromCharCode(cp), escape: true };
    }
    if (next === 'x') {
      const cp = hexAt(s, i + 2, 2);
      return cp < 0 ? null : { len: 4, text: String.fromCharCode(cp), escape: true };
    }
    const simple = SIMPLE_ESCAPES[next];
    return simple === undefined ? null : { len: 2, text: simple, escape: true };
  }
  if (c === 0x25) {
    const p = percentSequence(s, i);
    return p && { ...p, escape: false };
  }
  if (c === 0x26) {
    const m = /^&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([a-z]{2,6}));/.exec(s.slice(i, i + 12));
    if (!m) return null;
    const cp = m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? parseInt(m[2], 16) : -1;
    if (cp > 0x10ffff) return null;
    const text = cp >= 0 ? String.fromCodePoint(cp) : NAMED_ENTITIES[m[3]!];
    return text === undefined ? null : { len: m[0].length, text, escape: false };
  }
  const f = folded(c);
  return f === null ? null : { len: 1, text: f, escape: false };
}

/**
 * One decoding pass: backslash escapes (JSON, JS), percent-encoding (UTF-8), HTML character
 * references, fullwidth forms and non-ASCII digits, dashes and spaces. Null when nothing decodes.
 * Linear: every step consumes at least one source character and yields at most two.
 */
export function decodedView(s: string): DecodedView | null {
  let parts: string[] | null = null;
  let origin: Int32Array | null = null;
  let out = 0;
  let copiedTo = 0;
  let unescaped = false;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    const d = c === 0x5c || c === 0x25 || c === 0x26 || c >= 0xa0 ? decodeAt(s, i) : null;
    if (d === null) {
      i++;
      continue;
    }
    if (parts === null || origin === null) {
      parts = [];
      origin = new Int32Array(s.length + 1);
    }
    for (let k = copiedTo; k < i; k++) origin[out++] = k;
    parts.push(s.slice(copiedTo, i), d.text);
    for (let k = 0; k < d.text.length; k++) origin[out++] = i;
    unescaped ||= d.escape;
    i += d.len;
    copiedTo = i;
  }
  if (parts === null || origin === null) return null;
  for (let k = copiedTo; k < s.length; k++) origin[out++] = k;
  parts.push(s.slice(copiedTo));
  origin[out] = s.length;
  return { text: parts.join(''), origin: origin.subarray(0, out + 1), unescaped };
}

/** Runs of the base64 (or base64url) alphabet long enough to hide a secret. */
const BASE64_RUN = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])/g;

/** Base64 runs of `s` whose decoding is printable UTF-8 text, with that text. */
export function base64Texts(s: string): Array<{ start: number; end: number; text: string }> {
  const out: Array<{ start: number; end: number; text: string }> = [];
  BASE64_RUN.lastIndex = 0;
  for (let m = BASE64_RUN.exec(s); m !== null; m = BASE64_RUN.exec(s)) {
    const token = m[0];
    if (/[+/]/.test(token) && /[_-]/.test(token)) continue;
    const text = Buffer.from(token, /[_-]/.test(token) ? 'base64url' : 'base64').toString('utf8');
    if (text.length >= 4 && isPrintable(text)) out.push({ start: m.index, end: m.index + token.length, text });
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
