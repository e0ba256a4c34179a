/**
 * The one streaming line reader over an open file (rotation's rewrite, read-back, tail and salvage
 * passes, its census, and the policy's deep scan): lines end at LF only (a CR before it is the
 * terminator's, a lone CR is data), each read is 1 MiB, a line split across reads is joined once
 * (linear in its length), and lines are views into the read buffers (no copy). `lineBatches` groups
 * them for the passes that work batch-wise.
 */
import type { FileHandle } from 'node:fs/promises';

const READ_CHUNK = 1 << 20;

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

/**
 * Complete lines in [start, end) of an open file. A trailing line without LF is not yielded (a writer
 * may be mid-line), unless `partialLast` (a scan of what is there now): then it comes with an empty `term`.
 */
export async function* completeLines(fh: FileHandle, start: number, end: number, opts: { partialLast?: boolean } = {}): AsyncGenerator<RawLine> {
  let pos = start;
  // The unfinished line so far, as chunks: joined once when its newline arrives (linear in the line's length).
  let carry: Buffer[] = [];
  let carryLen = 0;
  let lineStart = start;
  while (pos < end) {
    const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - pos));
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    const chunk = buf.subarray(0, bytesRead);
    pos += bytesRead;
    let s = 0;
    for (;;) {
      const i = chunk.indexOf(10, s);
      if (i < 0) break;
      let data = chunk;
      let nl = i;
      let from = s;
      if (carryLen) {
        carry.push(chunk.subarray(0, i + 1));
        data = Buffer.concat(carry, carryLen + i + 1);
        nl = data.length - 1;
        from = 0;
        carry = [];
        carryLen = 0;
      }
      const t = textEnd(data, from, nl);
      lineStart += nl + 1 - from;
      yield { bytes: data.subarray(from, t), term: data.subarray(t, nl + 1), whole: data.subarray(from, nl + 1), next: lineStart };
      s = i + 1;
    }
    if (s < chunk.length) {
      carry.push(chunk.subarray(s));
      carryLen += chunk.length - s;
    }
  }
  if (opts.partialLast && carryLen) {
    const data = Buffer.concat(carry, carryLen);
    yield { bytes: data, term: data.subarray(data.length), whole: data, next: lineStart + carryLen };
  }
}

/** Bytes of lines in one batch before it is cut (a batch holds at least one line, however long). */
export const BATCH_BYTES = 4 << 20;

/**
 * `lines` in batches of at most `maxLines` lines and, unless one line alone is longer, about
 * `maxBytes` bytes: what a pass holds in memory at once stays bounded whatever the lines' length
 * (hostile content), and short-lived garbage stays within the young generation.
 */
export async function* lineBatches(lines: AsyncIterable<RawLine>, maxLines: number, maxBytes = BATCH_BYTES): AsyncGenerator<RawLine[]> {
  let batch: RawLine[] = [];
  let bytes = 0;
  for await (const l of lines) {
    batch.push(l);
    bytes += l.whole.length;
    if (batch.length >= maxLines || bytes >= maxBytes) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length) yield batch;
}
