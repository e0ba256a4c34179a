/**
 * Markers left by the Symbiont writer's own PII masking (formats.md section 1):
 * `[REDACTED:EMAIL]`, `[REDACTED:CC]`, ..., `Bearer [REDACTED]`, `api_key=[REDACTED]`, and `"***"`
 * as the value of a sensitive JSON key. They are never masked again and are reported as
 * already-redacted spans.
 */
import type { SpanCategory } from './types';

/** The value the writer puts under sensitive JSON keys. */
export const WRITER_SECRET_VALUE = '***';

/**
 * Regex source (no capturing groups): a bracketed marker, optionally with the `Bearer ` or
 * `api_key=` prefix the writer keeps, or a quoted `"***"`.
 */
export const WRITER_MARKER_SOURCE = '(?:[Bb]earer |api_key=)?\\[REDACTED(?::[A-Z0-9_]{1,32})?\\]|"\\*\\*\\*"';

const TAG_CATEGORY: Record<string, SpanCategory> = {
  EMAIL: 'email',
  PHONE: 'phone',
  SSN: 'ssn',
  CC: 'credit-card',
  CARD: 'credit-card',
  CREDIT_CARD: 'credit-card',
  API_KEY: 'api-key',
  JWT: 'api-key',
  PRIVATE_KEY: 'api-key',
  TOKEN: 'api-key',
  SECRET: 'sensitive-key',
  IP: 'ip-address',
};

/** Category of a writer marker as matched by WRITER_MARKER_SOURCE. */
export function writerMarkerCategory(marker: string): SpanCategory {
  if (marker.startsWith('"') || marker === WRITER_SECRET_VALUE) return 'sensitive-key';
  const tag = /\[REDACTED(?::([A-Z0-9_]+))?\]/.exec(marker)?.[1];
  if (tag !== undefined) return Object.hasOwn(TAG_CATEGORY, tag) ? TAG_CATEGORY[tag]! : 'unknown';
  return /^(?:[Bb]earer |api_key=)/.test(marker) ? 'api-key' : 'unknown';
}

const WRITER_MARKER_WHOLE = new RegExp(`^(?:${WRITER_MARKER_SOURCE})$`);

/** True when `s` is exactly one writer marker (`***` counts, with or without quotes). */
export function isWriterMarker(s: string): boolean {
  return s === WRITER_SECRET_VALUE || WRITER_MARKER_WHOLE.test(s);
}
