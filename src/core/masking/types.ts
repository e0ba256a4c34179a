/**
 * Vocabulary of the masking engine: categories, options, spans and statistics.
 * Pure data, no behaviour.
 */

/** A kind of sensitive data the engine can mask; each one can be switched on or off. */
export type MaskCategory =
  | 'email'
  | 'phone'
  | 'ssn'
  | 'credit-card'
  | 'api-key'
  | 'ip-address'
  | 'sensitive-key'
  | 'custom';

/** Every category, in a stable order (the order used for display and `--mask` help). */
export const MASK_CATEGORIES: readonly MaskCategory[] = [
  'email',
  'phone',
  'ssn',
  'credit-card',
  'api-key',
  'ip-address',
  'sensitive-key',
  'custom',
];

/** A user-defined pattern; matches become `[CUSTOM:<name>]`. */
export interface CustomRule {
  /** 1-40 characters of `A-Z a-z 0-9 _ . -`; appears in the marker. */
  name: string;
  /** JavaScript regular-expression source, at most 500 characters. */
  pattern: string;
  /** Any of `i`, `m`, `s`, `u` (`g` is accepted and implied). */
  flags?: string;
}

export interface MaskOptions {
  enabled: Record<MaskCategory, boolean>;
  /** Applied only while `enabled.custom` is true. */
  custom: CustomRule[];
}

/**
 * Category of a reported span. Writer markers whose type tag the engine does not know
 * (e.g. a future `[REDACTED:IBAN]`) are reported as `unknown`.
 */
export type SpanCategory = MaskCategory | 'unknown';

/**
 * A region of a masked text:
 * - `masked`: the engine replaced sensitive text with `marker`;
 * - `writer`: the log writer had already redacted it (`[REDACTED:EMAIL]`, `"***"`, ...);
 *   the text is left as is and `marker` is the text found.
 */
export interface MaskSpan {
  /** UTF-16 offsets into the OUTPUT text, end exclusive. */
  start: number;
  end: number;
  category: SpanCategory;
  marker: string;
  source: 'masked' | 'writer';
}

export interface MaskTextResult {
  text: string;
  /** Sorted by `start`, non-overlapping. */
  spans: MaskSpan[];
}

export interface MaskStats {
  /** Matches replaced by the engine, per category. */
  masked: Record<MaskCategory, number>;
  /** Markers left by the writer, per category. */
  alreadyRedacted: Record<SpanCategory, number>;
  totalMasked: number;
  totalAlreadyRedacted: number;
}

export interface MaskValueResult {
  value: unknown;
  stats: MaskStats;
}
