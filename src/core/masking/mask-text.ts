/** maskText: replace sensitive substrings of one string with typed markers. */
import { maskBudget, MaskBudgetExceeded, remainingMs, type MaskBudget } from './budget';
import type { Region } from './builtin-rules';
import { MARKERS } from './markers';
import { base64RunTouches, mayHoldEscapes } from './decoded-view';
import { findRegions, findRegionsIn } from './scanner';
import type { MaskOptions, MaskSpan, MaskTextResult } from './types';

/**
 * Masking replaces text with markers, and that changes what the detectors see next to them
 * (`EMP-123456Bearer x` only shows a Bearer token once `EMP-123456` became `[CUSTOM:emp]`). So
 * maskText checks its output again until nothing changes, which makes it idempotent. The check
 * rescans only the neighbourhood of each new marker (see `neighbourhoods`), the whole text with
 * custom rules or when the check finds something.
 */
const MAX_PASSES = 4;

/**
 * Masks `text` per `opts`. Spans (masked and writer-redacted) are offsets into the returned text;
 * markers of this engine already in `text` are reported as masked spans too. When `budget` (by
 * default a fresh one for this text alone) runs out, the whole text is withheld (`[WITHHELD]`, no
 * spans) and `budget.exceeded` is set.
 * Throws MaskRuleError when an enabled custom rule is invalid; never otherwise.
 */
export function maskText(text: string, opts: MaskOptions, budget: MaskBudget = maskBudget()): MaskTextResult {
  try {
    remainingMs(budget);
    return maskWithin(text, opts, budget);
  } catch (e) {
    if (e instanceof MaskBudgetExceeded) return { text: MARKERS.withheld, spans: [] };
    throw e;
  }
}

function maskWithin(text: string, opts: MaskOptions, budget: MaskBudget): MaskTextResult {
  let current = text;
  let regions = findRegions(current, opts, budget);
  for (let pass = 1; pass < MAX_PASSES; pass++) {
    if (!regions.some((r) => changes(current, r))) break;
    const result = render(current, regions);
    // a marker can also complete an encoded run next to it (`…bQ` + `[EMAIL]`): with escapes in
    // the text or a base64 run touching a marker, the check rescans everything, decodings included
    const settled = mayHoldEscapes(result.text) || result.spans.some((s) => base64RunTouches(result.text, s.end, s.start))
      ? !findRegions(result.text, opts, budget).some((r) => changes(result.text, r))
      : neighbourhoods(result).every(([from, to]) => !findRegionsIn(result.text, opts, from, to, budget).some((r) => changes(result.text, r)));
    if (settled) return result;
    current = result.text;
    regions = findRegions(current, opts, budget);
  }
  return render(current, regions);
}

function changes(text: string, r: Region): boolean {
  return r.kind === 'masked' && !(r.end - r.start === r.replacement.length && text.startsWith(r.replacement, r.start));
}

/**
 * Ranges of match starts, around each marker, where a detector could newly match: a built-in
 * match reads at most 3 characters past its ends, and those that can be long (emails, keys,
 * tokens) contain no whitespace; phone and card numbers, `Bearer ` and the like are short. So:
 * from two whitespace-separated runs (plus 48 characters) before the marker to 4 after it.
 */
function neighbourhoods(result: MaskTextResult): Array<[number, number]> {
  const { text, spans } = result;
  const out: Array<[number, number]> = [];
  const isSpace = (i: number) => {
    const c = text.charCodeAt(i);
    return c === 32 || c === 10 || c === 9 || c === 13;
  };
  const runStart = (i: number) => {
    let n = 0;
    while (i > 0 && !isSpace(i - 1) && n++ < 1024) i--;
    return i;
  };
  for (const s of spans) {
    if (s.source !== 'masked') continue;
    const from = runStart(Math.max(0, runStart(s.start) - 48));
    const to = Math.min(text.length, s.end + 4);
    const last = out[out.length - 1];
    if (last && from <= last[1]) last[1] = to;
    else out.push([from, to]);
  }
  return out;
}

function render(text: string, regions: readonly Region[]): MaskTextResult {
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
      const len = r.end - r.start;
      if (r.kind === 'writer') spans.push({ start: outLen, end: outLen + len, category: r.category, marker: r.marker, source: 'writer' });
      parts.push(text.slice(r.start, r.end));
      outLen += len;
    }
    pos = r.end;
  }
  if (pos < text.length) parts.push(text.slice(pos));
  return { text: parts.join(''), spans };
}
