/**
 * The built-in detectors. Each is a regex source without capturing groups (they are combined into
 * one alternation, one group per rule) plus a resolver that validates a match and says what to do
 * with it. Earlier rules win when two match at the same position.
 */
import { MARKERS, OWN_MARKER_SOURCE, ownMarkerCategory } from './markers';
import { secretValueKind } from './secret-values';
import { headerValueEnd, jsonNumberEnd, jsonStringEnd, settingValue } from './value-readers';
import { isSecretSettingName, isSensitiveKey } from './sensitive-keys';
import { hasLetterAndDigit, hasPhoneDigitCount, isCardNumber, isIPv4, isMaskableIPv6, isSsn } from './validators';
import { WRITER_MARKER_SOURCE, WRITER_SECRET_VALUE, writerMarkerCategory } from './writer-markers';
import type { MaskCategory, SpanCategory } from './types';

/**
 * What to do with [start, end) of the input:
 * - `masked`: replace with `replacement` (which contains `marker`); for text that already is one
 *   of the engine's markers, `replacement` is that same text;
 * - `writer`: keep, report as already redacted;
 * - `keep`: keep silently (an empty secret), shielding it from other rules.
 */
export type Region =
  | { kind: 'masked'; start: number; end: number; category: MaskCategory; marker: string; replacement: string }
  | { kind: 'writer'; start: number; end: number; category: SpanCategory; marker: string }
  | { kind: 'keep'; start: number; end: number };

/** The text being scanned, and what rules may remember about it while the scan goes on. */
export interface ScanContext {
  readonly text: string;
  /** private-key: where the last search for an END line started and what it found (-1: none). */
  pemEnd?: { from: number; at: number; end: number };
}

/**
 * Linear time rests on two rules for every detector: its regex matches a bounded head (a key and
 * its colon, a name and its `=`, a fixed-size token) or a run that lookbehinds anchor at its
 * first character, and its resolver decides to reject within that head. Values of unbounded length
 * are read by the resolver, after it accepted, and the scan goes on past them.
 */
export interface BuiltinRule {
  id: string;
  /** null: always active (markers). */
  category: MaskCategory | null;
  source: string;
  /**
   * Region for a match at `start`, or null to reject it (the scan goes on at start + 1). The
   * region may end beyond the match; the scan resumes at the later of the two ends.
   */
  resolve(match: string, start: number, ctx: ScanContext): Region | null;
}

const masked = (category: MaskCategory, marker: string, start: number, end: number, replacement = marker): Region => ({
  kind: 'masked',
  start,
  end,
  category,
  marker,
  replacement,
});
const whole =
  (category: MaskCategory, marker: string, valid: (m: string) => boolean = () => true) =>
  (m: string, start: number): Region | null =>
    valid(m) ? masked(category, marker, start, start + m.length) : null;

/** The value of a secret (quoted string content, or an unquoted token) at [start, end). */
function secretValue(value: string, start: number): Region {
  const end = start + value.length;
  switch (secretValueKind(value)) {
    case 'writer':
      return { kind: 'writer', start, end, category: writerMarkerCategory(value), marker: value };
    case 'own-marker':
      return masked(ownMarkerCategory(value), value, start, end);
    case 'empty':
      return { kind: 'keep', start, end };
    case 'mask':
      return masked('sensitive-key', MARKERS.secret, start, end);
  }
}

const B64URL = '[A-Za-z0-9_-]';
/** Header, payload, signature (empty for alg none). */
const JWT_SOURCE = `eyJ${B64URL}{2,}\\.${B64URL}{2,}\\.${B64URL}*`;
const JWT_WHOLE = new RegExp(`^${JWT_SOURCE}$`);

const PEM_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_BODY = /[A-Za-z0-9+/=\s\\:,-]*/y;

/**
 * A PEM block from its BEGIN line at `start`: to its END line, or (truncated text) over its
 * base64 body. The END search is remembered, so many BEGIN lines cost one pass over the text.
 */
function pemRegion(headerEnd: number, start: number, ctx: ScanContext): Region {
  const memo = ctx.pemEnd;
  let end: number;
  if (memo && memo.from <= headerEnd && (memo.at === -1 || memo.at >= headerEnd)) end = memo.at === -1 ? -1 : memo.end;
  else {
    PEM_END.lastIndex = headerEnd;
    const m = PEM_END.exec(ctx.text);
    ctx.pemEnd = { from: headerEnd, at: m ? m.index : -1, end: m ? m.index + m[0].length : -1 };
    end = ctx.pemEnd.end;
  }
  if (end === -1) {
    PEM_BODY.lastIndex = headerEnd;
    PEM_BODY.exec(ctx.text);
    end = PEM_BODY.lastIndex;
  }
  return masked('api-key', MARKERS.privateKey, start, end);
}

/** `Basic <base64>` whose decoding is `user:password`. */
function isBasicCredential(token: string): boolean {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  return decoded.includes(':') && !decoded.includes('\uFFFD') && !/[\u0000-\u001f]/.test(decoded);
}

/** An unquoted type name after `password:` is a declaration (`pw: str`), not a secret. */
const TYPE_NAME = /^(?:str|string|int|integer|bool|boolean|number|float|bytes|any|none|null|undefined|object|secretstr|required|optional)$/i;

const EMAIL_CHAR = '[\\p{L}\\p{M}\\p{N}._%+-]';
const DOMAIN_CHAR = '[\\p{L}\\p{M}\\p{N}-]';

/**
 * Rules, compiled together with the `u` flag. Earlier rules win when two match at the same
 * position; the leftmost match wins otherwise.
 */
export const BUILTIN_RULES: readonly BuiltinRule[] = [
  {
    id: 'writer-marker',
    category: null,
    source: WRITER_MARKER_SOURCE,
    resolve: (m, start) =>
      m.startsWith('"')
        ? { kind: 'writer', start: start + 1, end: start + m.length - 1, category: 'sensitive-key', marker: WRITER_SECRET_VALUE }
        : { kind: 'writer', start, end: start + m.length, category: writerMarkerCategory(m), marker: m },
  },
  {
    id: 'own-marker',
    category: null,
    source: OWN_MARKER_SOURCE,
    resolve: (m, start) => masked(ownMarkerCategory(m), m, start, start + m.length),
  },
  {
    id: 'private-key',
    category: 'api-key',
    source: '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----',
    resolve: (m, start, ctx) => pemRegion(start + m.length, start, ctx),
  },
  {
    id: 'json-secret',
    category: 'sensitive-key',
    // "key": "value" or "key": 123 inside text (stringified JSON, e.g. tool arguments); the regex
    // stops at the value's first character, the resolver reads the value once the key is sensitive
    source: '"[^"\\\\\\n]{1,64}"[ \\t\\r\\n]{0,16}:[ \\t\\r\\n]{0,16}(?=["\\d-])',
    resolve: (m, start, { text }) => {
      const keyEnd = m.indexOf('"', 1);
      if (!isSensitiveKey(m.slice(1, keyEnd))) return null;
      const v = start + m.length;
      if (text[v] === '"') return secretValue(text.slice(v + 1, jsonStringEnd(text, v + 1)), v + 1);
      if (!/[-\d]/.test(text[v]!) || (text[v] === '-' && !/\d/.test(text[v + 1] ?? ''))) return null;
      // a number glued to more token characters (`12wJalr…`) is one unquoted value: all of it
      let end = jsonNumberEnd(text, v);
      while (end < text.length && /[\w+/=-]/.test(text[end]!)) end++;
      return masked('sensitive-key', MARKERS.secret, v, end, `"${MARKERS.secret}"`);
    },
  },
  {
    id: 'setting-secret',
    category: 'sensitive-key',
    // password=..., --api-key=..., _authToken=..., api_key: ..., CLIENT_SECRET=... in free text
    // (YAML, env, CLI); `secret_key = '...'` (spaces around '=') only with a quoted value, so code
    // like `password = getPassword()` stays
    source: '(?<![\\w-])[-_]{0,2}[A-Za-z][\\w.-]{0,39}(?:=|: ?|[ \\t]{1,3}=[ \\t]{0,3}(?=["\'])|[ \\t]{1,3}:[ \\t]{0,3}(?=["\']))(?=[^\\s&,;<>\\[\\](){}])',
    resolve: (m, start, { text }) => {
      const sep = /[ \t]*(?:=|:)[ \t]*$/.exec(m)!;
      const name = m.slice(0, sep.index).replace(/^[-_]+/, '');
      if (!isSecretSettingName(name.slice(name.lastIndexOf('.') + 1))) return null;
      const v = settingValue(text, start + m.length);
      const value = text.slice(v.start, v.end);
      if (value === '' || (v.start === start + m.length && TYPE_NAME.test(value))) return null;
      return secretValue(value, v.start);
    },
  },
  {
    id: 'xml-secret',
    category: 'sensitive-key',
    // <password>value</password>: the element's text, up to the next '<'
    source: '<[A-Za-z_][\\w.:-]{0,39}>(?=[^<\\s])',
    resolve: (m, start, { text }) => {
      if (!isSecretSettingName(m.slice(1, -1))) return null;
      let i = start + m.length;
      while (i < text.length && text[i] !== '<' && text[i] !== '\n') i++;
      return secretValue(text.slice(start + m.length, i), start + m.length);
    },
  },
  {
    id: 'prose-secret',
    category: 'sensitive-key',
    // "the password is "x"" / "password was: x": a quoted value, or a token with a digit or symbol
    source: '(?<![\\w-])(?:[Pp]ass(?:word|phrase|code)|PASS(?:WORD|PHRASE|CODE)|PIN)[ \\t]{1,3}(?:is|was|IS|WAS)(?::|[ \\t]*:)?[ \\t]{1,3}(?=\\S)',
    resolve: (m, start, { text }) => {
      const v = settingValue(text, start + m.length);
      const value = text.slice(v.start, v.end);
      const quoted = v.start > start + m.length;
      if (value === '' || (!quoted && !/[\d\W_]/.test(value.replace(/[.,;:!?]+$/, '')))) return null;
      const end = quoted ? v.end : v.start + value.replace(/[.,;:!?]+$/, '').length;
      return secretValue(text.slice(v.start, end), v.start);
    },
  },
  {
    id: 'cli-userinfo',
    category: 'sensitive-key',
    // curl -u user:password, --user user:password: the password
    source: '(?<!\\S)(?:-u|--user)(?:[ \\t]{1,3}|=)[\'"]?[^\\s:\'"]{1,64}:(?=[^\\s\'"])',
    resolve: (m, start, { text }) => {
      const v = settingValue(text, start + m.length);
      return v.end > v.start ? secretValue(text.slice(v.start, v.end), v.start) : null;
    },
  },
  {
    id: 'cookie-header',
    category: 'sensitive-key',
    // Cookie: a=1; b=2 / Set-Cookie: ...: every value of the header
    source: '(?<![\\w-])(?:[Ss]et-)?[Cc](?:OOKIE|ookie):[ \\t]{0,8}(?=\\S)',
    resolve: (m, start, { text }) => {
      const end = headerValueEnd(text, start + m.length);
      return masked('sensitive-key', MARKERS.secret, start + m.length, end);
    },
  },
  {
    id: 'url-credentials',
    category: 'sensitive-key',
    // scheme://user:password@host: the password, read up to the '@' (never past a '/' or space,
    // so each candidate reads only its own URL); anchored on '://', cheap to look for
    source: '://[^\\s/:@]{0,64}:',
    resolve: (m, start, { text }) => {
      let i = start + m.length;
      while (i < text.length && !/[\s/@]/.test(text[i]!)) i++;
      return text[i] === '@' && i > start + m.length ? secretValue(text.slice(start + m.length, i), start + m.length) : null;
    },
  },
  {
    id: 'auth-header',
    category: 'api-key',
    // Authorization: <scheme> <credentials> for schemes other than Bearer and Basic (own rules)
    source: '(?<![\\w-])(?:[Pp]roxy-)?[Aa](?:UTHORIZATION|uthorization):[ \\t]{0,8}[A-Za-z][\\w-]{0,31}[ \\t]{1,8}(?=\\S)',
    resolve: (m, start, { text }) => {
      if (/(?:bearer|basic)[ \t]+$/i.test(m)) return null;
      const end = headerValueEnd(text, start + m.length);
      return end > start + m.length ? masked('api-key', MARKERS.apiKey, start + m.length, end) : null;
    },
  },
  {
    id: 'bearer',
    category: 'api-key',
    source: '(?<![\\w-])[Bb]earer\\s{1,8}[A-Za-z0-9\\-._~+/]{8,}=*',
    resolve: (m, start) => {
      const t = /\s+/.exec(m)!;
      const token = m.slice(t.index + t[0].length);
      if (token.length < 16 && !hasLetterAndDigit(token)) return null;
      return masked('api-key', JWT_WHOLE.test(token) ? MARKERS.jwt : MARKERS.apiKey, start + m.length - token.length, start + m.length);
    },
  },
  {
    id: 'basic-auth',
    category: 'api-key',
    source: '(?<![\\w-])[Bb]asic\\s{1,8}[A-Za-z0-9+/]{4,}={0,2}(?![\\w+/=-])',
    resolve: (m, start) => {
      const token = m.slice(/\s+/.exec(m)!.index).trimStart();
      return isBasicCredential(token) ? masked('api-key', MARKERS.apiKey, start + m.length - token.length, start + m.length) : null;
    },
  },
  {
    id: 'email',
    category: 'email',
    source: `(?<!${EMAIL_CHAR})${EMAIL_CHAR}+@(?:${DOMAIN_CHAR}+\\.)+[\\p{L}\\p{M}]{2,63}(?!${DOMAIN_CHAR})`,
    resolve: whole('email', MARKERS.email),
  },
  {
    id: 'jwt',
    category: 'api-key',
    source: `(?<![\\w-])${JWT_SOURCE}`,
    resolve: whole('api-key', MARKERS.jwt),
  },
  {
    id: 'api-key',
    category: 'api-key',
    source:
      '(?<![\\w-])(?:' +
      [
        'sk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}', // OpenAI, Anthropic
        '[sr]k_(?:live|test)_[A-Za-z0-9]{16,}', // Stripe
        'gh[pousr]_[A-Za-z0-9]{36,}', // GitHub tokens
        'github_pat_[A-Za-z0-9_]{22,}', // GitHub fine-grained PAT
        'xox[abposr]-[A-Za-z0-9-]{10,}', // Slack
        'hooks\\.slack\\.com/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]{16,}', // Slack webhook
        'hf_[A-Za-z0-9]{30,}', // Hugging Face
        'glpat-[A-Za-z0-9_-]{20,}', // GitLab
        'npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])', // npm
        '(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])', // AWS access key id
        'AIza[0-9A-Za-z_-]{35}(?![\\w-])', // Google API key
      ].join('|') +
      ')',
    resolve: whole('api-key', MARKERS.apiKey, (m) => !m.startsWith('sk-') || hasLetterAndDigit(m.slice(3))),
  },
  {
    id: 'credit-card',
    category: 'credit-card',
    source:
      '(?<![\\w.,]|\\d[ .-])(?:\\d{13,19}|\\d{4}(?:[ .-]\\d{4}){2}[ .-]\\d{1,7}|\\d{4}[ -]\\d{6}[ -]\\d{4,5})(?!\\w|[ .,-]\\d)',
    resolve: whole('credit-card', MARKERS.card, isCardNumber),
  },
  {
    id: 'ssn',
    category: 'ssn',
    source: '(?<![\\w.-]|\\d )(?:\\d{3}-\\d{2}-\\d{4}|\\d{3} \\d{2} \\d{4}|\\d{3}\\.\\d{2}\\.\\d{4})(?![\\w-]|[. ]\\d)',
    resolve: whole('ssn', MARKERS.ssn, isSsn),
  },
  {
    id: 'phone-international',
    category: 'phone',
    source: '(?<![\\w+])(?:\\+|(?<![\\d.,-])00(?=[1-9]))(?:\\d{8,15}|\\d{1,3}(?!\\d)(?:[ .-]?\\(\\d{1,4}\\))?(?:[ .-]\\d{1,8}(?!\\d)){1,6})(?!\\w|[ .-]\\d)',
    resolve: whole('phone', MARKERS.phone, hasPhoneDigitCount),
  },
  {
    id: 'phone-nanp',
    category: 'phone',
    source: '(?<![\\w+.-]|\\d[ .-])(?:1[ .-])?(?:\\(\\d{3}\\) ?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}(?!\\w|[ .-]\\d)',
    resolve: whole('phone', MARKERS.phone),
  },
  {
    id: 'phone-nanp-bare',
    category: 'phone',
    // 10 digits (11 with the country code 1) with NANP area and exchange codes (first digit 2-9):
    // 10-digit Unix timestamps start with 1 and stay
    source: '(?<![\\w+.,-])1?[2-9]\\d{2}[2-9]\\d{6}(?!\\w|[.,]\\d)',
    resolve: whole('phone', MARKERS.phone),
  },
  {
    id: 'ipv4',
    category: 'ip-address',
    source: '(?<![\\w.])(?:\\d{1,3}\\.){3}\\d{1,3}(?!\\w|\\.\\d)',
    resolve: whole('ip-address', MARKERS.ip, isIPv4),
  },
  {
    id: 'ipv6',
    category: 'ip-address',
    source: '(?<![\\w:.])(?:[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?:\\.\\d{1,3}){3})?(?![\\w:]|\\.\\d)',
    resolve: whole('ip-address', MARKERS.ip, isMaskableIPv6),
  },
];
