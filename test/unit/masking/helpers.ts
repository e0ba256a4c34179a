import { defaultMaskOptions, maskText, optionsForCategories, type MaskCategory, type MaskOptions } from '../../../src/core/masking';

/** The masked text with default options (or the given ones). */
export const mask = (text: string, opts: MaskOptions = defaultMaskOptions()) => maskText(text, opts).text;

/** The masked text with only `category` enabled. */
export const maskOnly = (category: MaskCategory, text: string) => maskText(text, optionsForCategories([category])).text;

/** Output substrings covered by the spans, with their source. */
export function spanTexts(text: string, opts: MaskOptions = defaultMaskOptions()): string[] {
  const r = maskText(text, opts);
  return r.spans.map((s) => `${s.source}:${s.category}:${r.text.slice(s.start, s.end)}`);
}
