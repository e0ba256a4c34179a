/**
 * The one streaming line reader over an open file (rotation's rewrite, read-back, tail and salvage
 * passes, its census, and the policy's deep scan): lines end at LF only (a CR before it is the
 * terminator's, a lone CR is data), each read is 1 MiB, a batch split across reads is joined once
 * (linear in its length), and lines are views into the read buffers (no copy). `completeBatches` is
 * the reader (batch-wise passes take its batches, and `rawLines` for a line-by-line view of one);
 * `completeLines` gives its lines one by one.
 */
import type { FileHandle } from 'node:fs/promises';

const READ_CHUNK = 1 << 20;
/** Bytes of lines in one batch before it is cut (a batch holds at least one line, however long). */
export const BATCH_BYTES = 4 << 20;

export interface RawLine {
  bytes: Buffer;
  term: Buffer;
  /** The line with its terminator (bytes followed by term): a view, no copy. */
  whole: Buffer;
  /** Offset just past the line's terminator. */
  next: number;
}

/** End of the text of the line [from, nl] whose LF is at `nl`: a CR before the LF belongs to the terminator. */
export function textEnd(data: Buffer, from: number, nl: number): number {
  return nl > from && data[nl - 1] === 13 ? nl - 1 : nl;
}

/**
 * The lines of a buffer that holds complete lines (a batch the reader made), by the reader's rule, as
 * [start, text end, end] offsets; a last line without LF ends at the buffer's end.
 */
export function* linesOf(buf: Buffer): Generator<[number, number, number]> {
  for (let s = 0; s < buf.length; ) {
    const nl = buf.indexOf(10, s);
    if (nl < 0) {
      yield [s, buf.length, buf.length];
      return;
    }
    yield [s, textEnd(buf, s, nl), nl + 1];
    s = nl + 1;
  }
}

/** Complete lines of a file, in one piece: what the passes that work batch-wise take (no object per line). */
export interface LineBatch {
  /** The lines with their terminators, contiguous: a view into a read buffer, or their join. */
  bytes: Buffer;
  /** How many lines. */
  count: number;
  /** File offset of the first line, and just past the last one. */
  start: number;
  next: number;
}

/** A batch's lines as RawLine views (for the code that works line by line). */
export function rawLines(b: LineBatch): RawLine[] {
  const out: RawLine[] = [];
  for (const [s, t, e] of linesOf(b.bytes)) out.push({ bytes: b.bytes.subarray(s, t), term: b.bytes.subarray(t, e), whole: b.bytes.subarray(s, e), next: b.start + e });
  return out;
}

/**
 * Complete lines in [start, end) of an open file, in batches of at most `maxLines` lines and, unless
 * one line alone is longer, about `maxBytes` bytes (what a pass holds in memory stays bounded whatever
 * the lines' length; short-lived garbage stays within the young generation). A trailing line without
 * LF is not included (a writer may be mid-line), unless `partialLast` (a scan of what is there now).
 * A batch split across reads is joined once (linear in its length, however long one line is).
 */
export async function* completeBatches(fh: FileHandle, start: number, end: number, maxLines: number, opts: { partialLast?: boolean; maxBytes?: number } = {}): AsyncGenerator<LineBatch> {
  const maxBytes = opts.maxBytes ?? BATCH_BYTES;
  let pos = start;
  let batchStart = start;
  // The current batch's bytes read so far (complete lines, then the start of an unfinished one), as chunks.
  let carry: Buffer[] = [];
  let carryLen = 0;
  let count = 0;
  // The next chunk is read while the batches of this one are consumed.
  const read = (at: number): Promise<Buffer> => {
    const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - at));
    const r = fh.read(buf, 0, buf.length, at).then(({ bytesRead }) => buf.subarray(0, bytesRead));
    r.catch(() => undefined); // a consumer that stops early leaves it unobserved
    return r;
  };
  let ahead = pos < end ? read(pos) : null;
  while (ahead) {
    const chunk = await ahead;
    if (chunk.length === 0) break;
    pos += chunk.length;
    ahead = pos < end ? read(pos) : null;
    let s = 0;
    for (let k = 0; ; ) {
      const i = chunk.indexOf(10, k);
      if (i < 0) break;
      count++;
      k = i + 1;
      const size = carryLen + k - s;
      if (count >= maxLines || size >= maxBytes) {
        const bytes = carryLen ? Buffer.concat([...carry, chunk.subarray(s, k)], size) : chunk.subarray(s, k);
        yield { bytes, count, start: batchStart, next: batchStart + size };
        batchStart += size;
        carry = [];
        carryLen = 0;
        count = 0;
        s = k;
      }
    }
    if (s < chunk.length) {
      carry.push(chunk.subarray(s));
      carryLen += chunk.length - s;
    }
  }
  if (!carryLen) return;
  const rest = Buffer.concat(carry, carryLen);
  const complete = rest.lastIndexOf(10) + 1;
  const partial = opts.partialLast && complete < carryLen;
  const size = partial ? carryLen : complete;
  if (size) yield { bytes: rest.subarray(0, size), count: count + (partial ? 1 : 0), start: batchStart, next: batchStart + size };
}

/**
 * Complete lines in [start, end) of an open file, one by one (completeBatches' rule). A trailing line
 * without LF is not yielded unless `partialLast`: then it comes with an empty `term`.
 */
export async function* completeLines(fh: FileHandle, start: number, end: number, opts: { partialLast?: boolean } = {}): AsyncGenerator<RawLine> {
  for await (const b of completeBatches(fh, start, end, Infinity, opts)) yield* rawLines(b);
}
