/**
 * The built-in detectors. Each is a regex source without capturing groups (they are combined into
 * one alternation, one group per rule) plus a resolver that validates a match and says what to do
 * with it. Earlier rules win when two match at the same position.
 */
import { MARKERS, OWN_MARKER_SOURCE, ownMarkerCategory } from './markers';
import { secretValueKind } from './secret-values';
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

export interface BuiltinRule {
  id: string;
  /** null: always active (markers). */
  category: MaskCategory | null;
  source: string;
  /** Region(s) for a match at `start`, or null to reject it (the scan goes on at start + 1). */
  resolve(match: string, start: number): Region | null;
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
    // A PEM private key block; when the END line is missing (truncated text), the base64 body.
    source:
      '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----' +
      '(?:[\\s\\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\\s\\\\:,-]*)',
    resolve: whole('api-key', MARKERS.privateKey),
  },
  {
    id: 'json-secret',
    category: 'sensitive-key',
    // "key": "value" or "key": 123 inside text (stringified JSON, e.g. tool arguments)
    source: '"[^"\\\\\\n]{1,64}"\\s*:\\s*(?:"(?:[^"\\\\]|\\\\[\\s\\S])*"|-?\\d[\\d.eE+-]*)',
    resolve: (m, start) => {
      const keyEnd = m.indexOf('"', 1);
      if (!isSensitiveKey(m.slice(1, keyEnd))) return null;
      const colon = m.indexOf(':', keyEnd);
      let v = colon + 1;
      while (/\s/.test(m[v]!)) v++;
      if (m[v] === '"') return secretValue(m.slice(v + 1, -1), start + v + 1);
      return masked('sensitive-key', MARKERS.secret, start + v, start + m.length, `"${MARKERS.secret}"`);
    },
  },
  {
    id: 'setting-secret',
    category: 'sensitive-key',
    // password=..., api_key: ..., CLIENT_SECRET=... in free text
    source: '(?<![\\w-])[A-Za-z][\\w-]{0,39}(?:=|: ?)[^\\s"\'`&,;<>\\[\\](){}]+',
    resolve: (m, start) => {
      const sep = /=|: ?/.exec(m)!;
      if (!isSecretSettingName(m.slice(0, sep.index))) return null;
      const v = sep.index + sep[0].length;
      return secretValue(m.slice(v), start + v);
    },
  },
  {
    id: 'bearer',
    category: 'api-key',
    source: '(?<![\\w-])[Bb]earer\\s+[A-Za-z0-9\\-._~+/]{8,}=*',
    resolve: (m, start) => {
      const t = /\s+/.exec(m)!;
      const token = m.slice(t.index + t[0].length);
      if (token.length < 16 && !hasLetterAndDigit(token)) return null;
      return masked('api-key', JWT_WHOLE.test(token) ? MARKERS.jwt : MARKERS.apiKey, start + m.length - token.length, start + m.length);
    },
  },
  {
    id: 'email',
    category: 'email',
    source: '(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\\.)+[A-Za-z]{2,63}(?![A-Za-z0-9-])',
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
      '(?<![\\w.,]|\\d[ -])(?:\\d{13,19}|\\d{4}(?:[ -]\\d{4}){2}[ -]\\d{1,7}|\\d{4}[ -]\\d{6}[ -]\\d{4,5})(?!\\w|[ .,-]\\d)',
    resolve: whole('credit-card', MARKERS.card, isCardNumber),
  },
  {
    id: 'ssn',
    category: 'ssn',
    source: '(?<![\\w-])\\d{3}-\\d{2}-\\d{4}(?![\\w-])',
    resolve: whole('ssn', MARKERS.ssn, isSsn),
  },
  {
    id: 'phone-international',
    category: 'phone',
    source: '(?<![\\w+])\\+(?:\\d{8,15}|\\d{1,3}(?:[ .-]?\\(\\d{1,4}\\))?(?:[ .-]\\d{1,5}){1,6})(?!\\w|[ .-]\\d)',
    resolve: whole('phone', MARKERS.phone, hasPhoneDigitCount),
  },
  {
    id: 'phone-nanp',
    category: 'phone',
    source: '(?<![\\w+.-]|\\d[ .-])(?:1[ .-])?(?:\\(\\d{3}\\) ?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}(?!\\w|[ .-]\\d)',
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
