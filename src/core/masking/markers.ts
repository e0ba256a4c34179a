/**
 * The typed markers the engine writes, and a pattern recognising them so that masking an
 * already-masked text changes nothing.
 */
import type { MaskCategory } from './types';

export const MARKERS = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  ssn: '[SSN]',
  card: '[CARD]',
  apiKey: '[API_KEY]',
  jwt: '[JWT]',
  privateKey: '[PRIVATE_KEY]',
  ip: '[IP]',
  secret: '[SECRET]',
  /** A text masking could not finish within its time budget: withheld whole. */
  withheld: '[WITHHELD]',
} as const;

const MARKER_CATEGORY: Record<string, MaskCategory> = {
  [MARKERS.email]: 'email',
  [MARKERS.phone]: 'phone',
  [MARKERS.ssn]: 'ssn',
  [MARKERS.card]: 'credit-card',
  [MARKERS.apiKey]: 'api-key',
  [MARKERS.jwt]: 'api-key',
  [MARKERS.privateKey]: 'api-key',
  [MARKERS.ip]: 'ip-address',
  [MARKERS.secret]: 'sensitive-key',
};

/** Category of one of the engine's markers (as matched by OWN_MARKER_SOURCE). */
export function ownMarkerCategory(marker: string): MaskCategory {
  return Object.hasOwn(MARKER_CATEGORY, marker) ? MARKER_CATEGORY[marker]! : 'custom';
}

/** Characters allowed in a custom rule's name (and so inside `[CUSTOM:<name>]`). */
export const CUSTOM_NAME_CHARS = 'A-Za-z0-9_.-';
export const CUSTOM_NAME_MAX = 40;

export function customMarker(name: string): string {
  return `[CUSTOM:${name}]`;
}

/** Regex source (no capturing groups) matching any marker the engine writes. */
export const OWN_MARKER_SOURCE =
  '\\[(?:EMAIL|PHONE|SSN|CARD|API_KEY|JWT|PRIVATE_KEY|IP|SECRET|CUSTOM:[' +
  CUSTOM_NAME_CHARS +
  ']{1,' +
  CUSTOM_NAME_MAX +
  '})\\]';

const OWN_MARKER_WHOLE = new RegExp(`^${OWN_MARKER_SOURCE}$`);

/** True when `s` is exactly one of the engine's markers. */
export function isOwnMarker(s: string): boolean {
  return OWN_MARKER_WHOLE.test(s);
}
