/**
 * Masking engine for decrypted request/response data, for display and export.
 * Categories (each toggleable) -> markers:
 *   email `[EMAIL]`, phone `[PHONE]`, ssn `[SSN]`, credit-card `[CARD]` (Luhn-checked),
 *   api-key `[API_KEY]` / `[JWT]` / `[PRIVATE_KEY]`, ip-address `[IP]`,
 *   sensitive-key `[SECRET]` (values of keys like password/token/email), custom `[CUSTOM:<name>]`.
 * Encoded text (escapes, percent-encoding, HTML references, fullwidth forms, base64) is decoded
 * and scanned too; what is found is masked in the original. `[WITHHELD]`: a text masking could not
 * finish within the entry's time budget.
 * The writer's own markers (`[REDACTED:...]`, `"***"`) are kept and reported as already redacted.
 */
export { MASK_CATEGORIES } from './types';
export type { CustomRule, MaskCategory, MaskOptions, MaskSpan, MaskStats, MaskTextResult, MaskValueResult, SpanCategory } from './types';
export { defaultMaskOptions, optionsForCategories, parseCategoryList, unmaskedOptions } from './options';
export { maskText } from './mask-text';
export { maskString, maskNumberText, maskSplitNumber, type MaskedNumber } from './mask-string';
export { maskBudget, DEFAULT_MASK_BUDGET_MS, type MaskBudget } from './budget';
export { maskValue } from './mask-value';
export { MaskRuleError, validateCustomRule, CUSTOM_PATTERN_MAX_LENGTH, hasRepeatedAmbiguousAlternation } from './custom-rules';
export { MARKERS, customMarker } from './markers';
export { isSensitiveKey } from './sensitive-keys';
export { emptyMaskStats, addSpansToStats } from './stats';
