/**
 * A line's verification record, over the line's bytes (terminator excluded): the bytes with every
 * located value replaced by the placeholder NUL i NUL, then LF, the number of values, LF, then each
 * value's digest; hashed to 32 bytes. The skeleton holds no LF (lines end at LF), so a record parses
 * back one way only. The rewrite (on any thread) and the read-back each fold the records' digests, in
 * line order, into one running hash. Values are found by their bytes, so bytes that are not valid
 * UTF-8 outside the values are kept and checked exactly as they are.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { LineFields } from '../formats/line-fields';

export const placeholder = (i: number): string => `\u0000${i}\u0000`;
export const countPart = (k: number): string => `\n${k}\n`;

/**
 * Byte ranges [start, end) of the located values of a line (`text` = `raw` decoded as UTF-8), in
 * order, as flat pairs; null when a value's UTF-8 is not found exactly once in `raw` (a value that is
 * not valid UTF-8 as written). `ascii`: `raw` is all ASCII (then string offsets are byte offsets).
 */
export function valueRanges(raw: Buffer, lf: LineFields, ascii = isAscii(raw)): number[] | null {
  const out: number[] = [];
  for (const f of lf.fields) {
    if (ascii) {
      out.push(f.at, f.at + f.text.length);
      continue;
    }
    const b = Buffer.from(f.text, 'utf8');
    const at = raw.indexOf(b);
    if (at < 0 || raw.indexOf(b, at + 1) >= 0) return null;
    out.push(at, at + b.length);
  }
  for (let i = 2; i < out.length; i += 2) if (out[i] < out[i - 1]) return null;
  return out;
}

/** The record digest of a line (`ranges` from valueRanges, one digest per value). */
export function lineDigest(raw: Buffer, ranges: readonly number[], fieldDigests: readonly Buffer[]): Buffer {
  const h = createHash('sha256');
  let pos = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    h.update(raw.subarray(pos, ranges[i])).update(placeholder(i / 2), 'latin1');
    pos = ranges[i + 1];
  }
  h.update(raw.subarray(pos)).update(countPart(ranges.length / 2), 'latin1');
  for (const d of fieldDigests) h.update(d);
  return h.digest();
}

/** `raw` with each range replaced by the UTF-8 of its replacement (null: kept), then `term`. */
export function spliceLine(raw: Buffer, ranges: readonly number[], replacements: ReadonlyArray<string | null>, term: Buffer): Buffer {
  const out = Buffer.allocUnsafe(splicedLength(raw, ranges, replacements) + term.length);
  spliceInto(out, 0, raw, ranges, replacements, term);
  return out;
}

/** The byte length of `raw` spliced (terminator excluded). */
export function splicedLength(raw: Buffer, ranges: readonly number[], replacements: ReadonlyArray<string | null>): number {
  let n = raw.length;
  for (let i = 0; i < ranges.length; i += 2) {
    const r = replacements[i / 2];
    if (r !== null && r !== undefined) n += Buffer.byteLength(r, 'utf8') - (ranges[i + 1] - ranges[i]);
  }
  return n;
}

/** Writes spliceLine's bytes into `out` at `at` (room checked by the caller with splicedLength); returns the end. */
export function spliceInto(out: Buffer, at: number, raw: Buffer, ranges: readonly number[], replacements: ReadonlyArray<string | null>, term: Buffer): number {
  let pos = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const r = replacements[i / 2];
    if (r === null || r === undefined) continue;
    at += raw.copy(out, at, pos, ranges[i]);
    at += out.write(r, at, 'utf8');
    pos = ranges[i + 1];
  }
  at += raw.copy(out, at, pos);
  return at + term.copy(out, at);
}
