/**
 * A number-preserving JSON parser (RFC 8259). Iterative — an explicit stack, so nesting depth is
 * bounded only by memory — and linear in the input: every character is looked at a bounded number
 * of times. Strings are decoded as JSON.parse decodes them (lone surrogates kept).
 */
import { JsonNumber, JsonObject, JsonSyntaxError, type JsonValue } from './types';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** An open container: an array, or an object with the key of the member being read. */
type Frame = { arr: JsonValue[]; obj: null; key: '' } | { arr: null; obj: JsonObject; key: string };

export function parseJson(text: string): JsonValue {
  return new Parser(text).parse();
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): JsonValue {
    const s = this.s;
    const stack: Frame[] = [];
    this.ws();
    for (;;) {
      // a value starts at this.i
      let v: JsonValue;
      const c = s.charCodeAt(this.i);
      if (c === LBRACE) {
        this.i++;
        this.ws();
        if (s.charCodeAt(this.i) === RBRACE) {
          this.i++;
          v = new JsonObject();
        } else {
          stack.push({ arr: null, obj: new JsonObject(), key: this.memberKey() });
          continue;
        }
      } else if (c === LBRACKET) {
        this.i++;
        this.ws();
        if (s.charCodeAt(this.i) === RBRACKET) {
          this.i++;
          v = [];
        } else {
          stack.push({ arr: [], obj: null, key: '' });
          continue;
        }
      } else if (c === QUOTE) v = this.string();
      else if (c === MINUS || (c >= ZERO && c <= NINE)) v = this.number();
      else if (c === 0x74) v = this.literal('true', true);
      else if (c === 0x66) v = this.literal('false', false);
      else if (c === 0x6e) v = this.literal('null', null);
      else throw this.error('a value');

      // v is complete: attach it, then close as many containers as end here
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          this.ws();
          if (this.i < s.length) throw this.error('the end of the text');
          return v;
        }
        if (top.arr !== null) top.arr.push(v);
        else top.obj.entries.push([top.key, v]);
        this.ws();
        const d = s.charCodeAt(this.i);
        if (d === COMMA) {
          this.i++;
          this.ws();
          if (top.obj !== null) top.key = this.memberKey();
          break;
        }
        if (top.arr !== null ? d !== RBRACKET : d !== RBRACE) throw this.error(top.arr !== null ? "',' or ']'" : "',' or '}'");
        this.i++;
        stack.pop();
        v = top.arr ?? top.obj;
      }
    }
  }

  /** `"key"` `:` and the whitespace after it. */
  private memberKey(): string {
    if (this.s.charCodeAt(this.i) !== QUOTE) throw this.error('a string key');
    const key = this.string();
    this.ws();
    if (this.s.charCodeAt(this.i) !== COLON) throw this.error("':'");
    this.i++;
    this.ws();
    return key;
  }

  private ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.i = i;
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.s.startsWith(word, this.i)) throw this.error('a value');
    this.i += word.length;
    return value;
  }

  private number(): JsonNumber {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (s.charCodeAt(i) === MINUS) i++;
    const intStart = i;
    i = digits(s, i);
    if (i === intStart) return this.failAt(i, 'a digit');
    if (s.charCodeAt(intStart) === ZERO && i - intStart > 1) return this.failAt(intStart + 1, "'.', 'e' or the end of the number (no leading zeros)");
    if (s.charCodeAt(i) === 0x2e) {
      const f = ++i;
      i = digits(s, i);
      if (i === f) return this.failAt(i, 'a digit after the decimal point');
    }
    const e = s.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = s.charCodeAt(i);
      if (sign === 0x2b || sign === MINUS) i++;
      const x = i;
      i = digits(s, i);
      if (i === x) return this.failAt(i, 'a digit in the exponent');
    }
    this.i = i;
    return new JsonNumber(s.slice(start, i));
  }

  private string(): string {
    const s = this.s;
    const start = this.i + 1;
    let i = plainRunEnd(s, start);
    if (s.charCodeAt(i) === QUOTE) {
      this.i = i + 1;
      return s.slice(start, i);
    }
    let out = s.slice(start, i);
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        this.i = i + 1;
        return out;
      }
      if (c !== BACKSLASH) return this.failAt(i, Number.isNaN(c) ? "a closing '\"'" : 'an escaped control character (raw one in a string)');
      switch (s.charCodeAt(i + 1)) {
        case QUOTE: out += '"'; break;
        case BACKSLASH: out += '\\'; break;
        case 0x2f: out += '/'; break;
        case 0x62: out += '\b'; break;
        case 0x66: out += '\f'; break;
        case 0x6e: out += '\n'; break;
        case 0x72: out += '\r'; break;
        case 0x74: out += '\t'; break;
        case 0x75: {
          const code = hex4(s, i + 2);
          if (code < 0) return this.failAt(i, 'four hex digits after \\u');
          out += String.fromCharCode(code);
          i += 4;
          break;
        }
        default:
          return this.failAt(i, 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
      }
      const from = i + 2;
      i = plainRunEnd(s, from);
      out += s.slice(from, i);
    }
  }

  private failAt(at: number, expected: string): never {
    this.i = at;
    throw this.error(expected);
  }

  private error(expected: string): JsonSyntaxError {
    const at = this.i;
    const found = at >= this.s.length ? 'the end of the text' : JSON.stringify(this.s[at]);
    return new JsonSyntaxError(`invalid JSON at position ${at} (${lineCol(this.s, at)}): expected ${expected}, found ${found}`, at);
  }
}

/** Characters a string may hold unescaped; sticky, so V8 scans the run natively. */
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;

function plainRunEnd(s: string, from: number): number {
  PLAIN_RUN.lastIndex = from;
  PLAIN_RUN.test(s);
  return PLAIN_RUN.lastIndex;
}

function digits(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c >= ZERO && c <= NINE) i++;
    else return i;
  }
}

function hex4(s: string, at: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = s.charCodeAt(at + k);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

function lineCol(s: string, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let k = s.indexOf('\n'); k >= 0 && k < at; k = s.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return `line ${line}, column ${at - lineStart + 1}`;
}
