/**
 * Names of JSON keys (and `key=value` settings) whose value is secret as a whole, matched like the
 * writer does: as lowercase substrings of the key.
 */
import { OWN_MARKER_SOURCE } from './markers';

/** Substrings marking a JSON object key as sensitive (its whole value becomes `[SECRET]`). */
export const SENSITIVE_KEY_PARTS: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'api_key',
  'apikey',
  'api-key',
  'access_key',
  'private_key',
  'authorization',
  'credential',
  'cookie',
  'ssn',
  'social_security',
  'credit_card',
  'creditcard',
  'card_number',
  'cvv',
  'cvc',
  'email',
  'phone',
  'address',
];

/**
 * Keys that contain a sensitive part but are model bookkeeping, not secrets
 * (`max_tokens`, `token_usage`, `input_tokens`, `tokenizer`, ...).
 */
const NOT_SENSITIVE =
  /(?:max|min|input|output|total|prompt|completion|cached|reasoning|num|n|stop)_?(?:new_?)?tokens|tokens?_?(?:usage|count|limit|type|budget)|tokeniz|logprob/;

/** Short names that are secrets only as the whole key (`pass`, but not `passenger` or `bypass`). */
const SENSITIVE_WHOLE_KEYS = new Set(['pass', 'pwd', 'pw', 'pin', 'otp', 'passcode', 'sessionid', 'session_id', 'sid']);

const OWN_MARKERS = new RegExp(OWN_MARKER_SOURCE, 'g');

/**
 * True when a JSON object key names a secret value. The engine's markers in a key are not names
 * (`[EMAIL]` is a masked address, not an `email` key), so masking a masked value changes nothing.
 */
export function isSensitiveKey(key: string): boolean {
  const k = key.replace(OWN_MARKERS, '').toLowerCase();
  if (SENSITIVE_WHOLE_KEYS.has(k)) return true;
  if (!SENSITIVE_KEY_PARTS.some((part) => k.includes(part))) return false;
  return !NOT_SENSITIVE.test(k);
}

/**
 * Narrower list for unquoted `key=value` / `key: value` in free text, where a false positive
 * would eat prose: only names that nearly always introduce a credential.
 */
const SETTING_PARTS =
  /password|passwd|passphrase|secret|api_?key|apikey|api-key|access_?key|private_?key|account_?key|signing_?key|auth_?token|access_?token|refresh_?token|session_?token/;

export function isSecretSettingName(name: string): boolean {
  const n = name.toLowerCase();
  return SETTING_PARTS.test(n) || SENSITIVE_WHOLE_KEYS.has(n);
}
