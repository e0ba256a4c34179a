/** maskText: replace sensitive substrings of one string with typed markers. */
import { findRegions } from './scanner';
import type { MaskOptions, MaskSpan, MaskTextResult } from './types';

/**
 * Masks `text` per `opts`. Spans (masked and writer-redacted) are offsets into the returned text.
 * Throws MaskRuleError when an enabled custom rule is invalid; never otherwise.
 */
export function maskText(text: string, opts: MaskOptions): MaskTextResult {
  const regions = findRegions(text, opts);
  if (regions.length === 0) return { text, spans: [] };
  const parts: string[] = [];
  const spans: MaskSpan[] = [];
  let pos = 0; // in the input
  let outLen = 0;
  for (const r of regions) {
    if (r.start > pos) {
      parts.push(text.slice(pos, r.start));
      outLen += r.start - pos;
    }
    if (r.kind === 'masked') {
      const at = outLen + r.replacement.indexOf(r.marker);
      spans.push({ start: at, end: at + r.marker.length, category: r.category, marker: r.marker, source: 'masked' });
      parts.push(r.replacement);
      outLen += r.replacement.length;
    } else {
      if (r.kind === 'writer') spans.push({ start: outLen, end: outLen + (r.end - r.start), category: r.category, marker: r.marker, source: 'writer' });
      parts.push(text.slice(r.start, r.end));
      outLen += r.end - r.start;
    }
    pos = r.end;
  }
  if (pos < text.length) parts.push(text.slice(pos));
  return { text: parts.join(''), spans };
}
