/**
 * A whole batch of envelope-log lines (local KEK target), rewritten or read back in one go: split,
 * parsed, every value through the batch kernel, lines spliced, line records digested. It runs on the
 * rewrap worker threads (envelope-worker.ts), so all per-line work is spread over the cores while the
 * main thread only reads, writes and keeps order. It handles the plain case only: a batch with any
 * line that needs a message or a key this table cannot use (bad JSON, a value not written verbatim,
 * a failed unwrap or authentication, a transit or unknown key_id, an unsupported header) comes back
 * `done: false` and the main thread runs it through the regular code (same checks, same messages).
 * Same functions and definitions as the main thread's path (lineFields, valueRanges, replaceEnvelopeKey,
 * the record of line-record.ts), so both produce the same bytes and records (a unit test compares them).
 * With the native kernel, the lines are first offered to its scanner (envelope_scan.c): when it accepts
 * every line of the batch, the values are taken by byte ranges, with no JSON.parse and no string per
 * line; when it refuses one, the batch goes the JavaScript way above.
 */
import { isAscii } from 'node:buffer';
import { checkEnvelopeHeader, WRAPPED_DEK_BYTES } from '../crypto/envelope-cipher';
import { ENVELOPE_SCAN, gcmKernel, type GcmKernel } from '../crypto/gcm-kernel';
import { linesOf } from '../formats/complete-lines';
import { lineFields, type LineFields } from '../formats/line-fields';
import type { EnvelopeValue } from '../model';
import type { EnvelopeKernel } from './envelope-kernel';
import { replaceEnvelopeKey } from './envelope-text';
import { kernelRequest, replyViews, type KernelReply, type WorkerItem } from './kernel-packing';
import { countPart, placeholder, spliceInto, splicedLength, valueRanges } from './line-record';

const W = WRAPPED_DEK_BYTES;

/** What a worker knows of the rotation besides the KEK table. */
export interface BatchSpec {
  targetKeyId: string;
  /** Index of the target KEK in the table. */
  target: number;
  /** key_id -> indices into the KEK table, tried in order (only ids whose every KEK is in the table). */
  candidates: Map<string, number[]>;
}

export interface BatchRequest {
  id: number;
  /** Read-back of the rewritten file: the target KEK only, no output. */
  verify: boolean;
  dryRun: boolean;
  /** Complete lines, each with its terminator. */
  buf: ArrayBuffer;
}

export interface BatchDone {
  id: number;
  done: true;
  lines: number;
  entries: number;
  fields: number;
  onTarget: number;
  rewritten: number;
  /** Values rewritten, per KEK table index they were opened by. */
  from: number[];
  /** 32 bytes per line: its record's digest (line-record.ts). */
  digests: ArrayBuffer;
  /** The batch as written (rewrite, not a dry run). */
  out: ArrayBuffer | null;
}

export interface BatchLeft {
  id: number;
  done: false;
  /** Why the main thread must take the batch. */
  reason: string;
  /** Set when the worker failed on it (a bug, reported as such), not for a line that needs a message. */
  error?: string;
}

export type BatchReply = BatchDone | BatchLeft;

interface Line {
  start: number;
  /** End of the text (before CR LF / LF). */
  textEnd: number;
  end: number;
  /** Byte ranges of the values, relative to `start` (line-record.ts). */
  ranges: number[];
}

/** Values per line the batch path takes (an envelope entry has request_data and response_data). */
const MAX_VALUES = 2;
/** Record parts per line: segments and placeholders, the count, the value digests. */
const PARTS = 2 * MAX_VALUES + 1 + 1 + MAX_VALUES;

export function runBatch(kernel: EnvelopeKernel, spec: BatchSpec, req: BatchRequest, gcm: GcmKernel = gcmKernel()): BatchReply {
  const bytes = Buffer.from(req.buf);
  return runScanned(kernel, spec, req, gcm, bytes) ?? runParsed(kernel, spec, req, gcm, bytes);
}

/** KEK table indices to try for a value with this key_id: the target's only in the read-back; null: not for the batch path. */
function candidatesFor(spec: BatchSpec, verify: boolean, keyId: string): number[] | null {
  return verify ? (keyId === spec.targetKeyId ? [spec.target] : null) : (spec.candidates.get(keyId) ?? null);
}

/** The batch with every line parsed by JSON.parse (lineFields). */
function runParsed(kernel: EnvelopeKernel, spec: BatchSpec, req: BatchRequest, gcm: GcmKernel, bytes: Buffer): BatchReply {
  const left = (reason: string): BatchLeft => ({ id: req.id, done: false, reason });
  const ascii = isAscii(bytes);
  const lines: Line[] = [];
  const lfs: LineFields[] = [];
  const items: WorkerItem[] = [];
  const datas: EnvelopeValue[] = [];
  for (const [s, textEnd, end] of linesOf(bytes)) {
    const raw = bytes.subarray(s, textEnd);
    let lf: LineFields;
    try {
      lf = lineFields(ascii ? raw.toString('latin1') : raw.toString('utf8'), 'envelope');
    } catch (err) {
      return left(`line ${lines.length}: ${(err as Error).message}`); // e.g. a value nested too deep to serialize: the regular code says so
    }
    if (lf.kind === 'bad' || lf.kind === 'update' || lf.problem) return left(`line ${lines.length}: ${lf.problem ?? lf.kind}`);
    if (lf.fields.length > MAX_VALUES) return left(`line ${lines.length}: more than ${MAX_VALUES} values`);
    const ranges = valueRanges(raw, lf, ascii);
    if (!ranges) return left(`line ${lines.length}: a value is not found in its bytes`);
    for (const f of lf.fields) {
      const data = (f.field as { data: EnvelopeValue }).data;
      try {
        checkEnvelopeHeader(data);
      } catch (err) {
        return left((err as Error).message);
      }
      const cands = candidatesFor(spec, req.verify, data.key_id);
      if (!cands) return left(`key_id ${JSON.stringify(data.key_id)} is not for the batch kernel`);
      items.push({ candidates: cands, dekWrapped: data.dek_wrapped, nonce: data.nonce, ciphertext: data.ciphertext });
      datas.push(data);
    }
    lines.push({ start: s, textEnd, end, ranges });
    lfs.push(lf);
  }
  const reply = kernel.run(kernelRequest(req.id, items, { verify: req.verify, wrap: !req.dryRun }));
  const entries = lfs.reduce((n, lf) => n + (lf.kind === 'entry' ? 1 : 0), 0);
  return finish(spec, req, gcm, bytes, lines, entries, reply, datas.map((d) => d.key_id), (wrapped) => output(bytes, lines, lfs, datas, wrapped, spec.targetKeyId));
}

const { head: HEAD, perValue: PER_VALUE, stride: STRIDE } = ENVELOPE_SCAN;
/** Lines per batch the scanner takes (the reader's batches hold 256; a larger one goes the parsed way). */
const SCAN_LINES = 1024;
/** This thread's scanner output, reused batch after batch. */
let scanOut: Uint32Array | undefined;

/** The batch through the native line scanner, or null when it refuses a line (or there is none). */
function runScanned(kernel: EnvelopeKernel, spec: BatchSpec, req: BatchRequest, gcm: GcmKernel, bytes: Buffer): BatchReply | null {
  if (!gcm.scanEnvelopeLines) return null;
  scanOut ??= new Uint32Array(SCAN_LINES * STRIDE);
  const rec = scanOut;
  const n = gcm.scanEnvelopeLines(bytes, rec);
  if (n < 0) return null;
  const lines: Line[] = [];
  const at: number[] = [];
  const keyIds: string[] = [];
  const candidates: number[][] = [];
  const keyIdAt: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = i * STRIDE;
    const start = rec[r];
    const ranges: number[] = [];
    for (let v = 0; v < rec[r + 3]; v++) {
      const p = r + HEAD + v * PER_VALUE;
      ranges.push(rec[p] - start, rec[p + 1] - start);
      const keyId = bytes.toString('latin1', rec[p + 2], rec[p + 3]); // the scanner takes key_ids without escapes or non-ASCII bytes
      const cands = candidatesFor(spec, req.verify, keyId);
      if (!cands) return null; // the parsed way hands it back with its reason
      keyIds.push(keyId);
      candidates.push(cands);
      at.push(rec[p + 4], rec[p + 5], rec[p + 6], rec[p + 7], rec[p + 8], rec[p + 9]);
      keyIdAt.push(rec[p + 2], rec[p + 3]);
    }
    lines.push({ start, textEnd: rec[r + 1], end: rec[r + 2], ranges });
  }
  const reply = kernel.runOnRanges(req.id, bytes, Uint32Array.from(at), candidates, { verify: req.verify, wrap: !req.dryRun });
  return finish(spec, req, gcm, bytes, lines, n, reply, keyIds, (wrapped) => scannedOutput(bytes, lines, keyIdAt, at, wrapped, spec.targetKeyId));
}

/** The reply to a batch from the kernel's reply to its values (both ways); `output` writes the batch with the re-wrapped DEKs. */
function finish(
  spec: BatchSpec,
  req: BatchRequest,
  gcm: GcmKernel,
  bytes: Buffer,
  lines: Line[],
  entries: number,
  reply: KernelReply,
  keyIds: string[],
  output: (wrapped: Array<string | null>) => ArrayBuffer,
): BatchReply {
  const left = (reason: string): BatchLeft => ({ id: req.id, done: false, reason });
  const n = reply.n;
  const { st, by, dg, wr } = replyViews(reply);
  const wrapped = new Array<string | null>(n).fill(null);
  const from: number[] = [];
  let onTarget = 0;
  let rewritten = 0;
  for (let j = 0; j < n; j++) {
    if (st[j] === 0) return left(`value ${j}: not opened by the kernel`);
    const k = by[j];
    if (req.verify) {
      if (k !== spec.target) return left(`value ${j}: not under the target KEK`);
      continue;
    }
    if (keyIds[j] === spec.targetKeyId && k === spec.target) {
      onTarget++;
      continue;
    }
    if (!req.dryRun) {
      if (st[j] !== 2) return left(`value ${j}: not re-wrapped`);
      wrapped[j] = wr.toString('base64', j * W, j * W + W);
    }
    rewritten++;
    from[k] = (from[k] ?? 0) + 1;
  }
  const digests = recordDigests(gcm, bytes, lines, dg);
  const out = req.verify || req.dryRun ? null : output(wrapped);
  return { id: req.id, done: true, lines: lines.length, entries, fields: n, onTarget, rewritten, from, digests: digests.buffer as ArrayBuffer, out };
}

/** Every line's record digest (line-record.ts), in one batch call: the parts point into the batch, a constants area and the value digests. */
function recordDigests(gcm: GcmKernel, bytes: Buffer, lines: Line[], dg: Uint8Array): Uint8Array {
  const consts = Buffer.from(Array.from({ length: MAX_VALUES }, (_, i) => placeholder(i)).join('') + Array.from({ length: MAX_VALUES + 1 }, (_, k) => countPart(k)).join(''), 'latin1');
  const phLen = placeholder(0).length;
  const cntLen = countPart(0).length;
  // the parts index the batch, then (past its end) the constants and the value digests: no copy of the batch
  const constsAt = bytes.length;
  const dgAt = constsAt + consts.length;
  const extra = Buffer.allocUnsafe(consts.length + dg.length);
  consts.copy(extra, 0);
  extra.set(dg, consts.length);
  const off = new Uint32Array(lines.length * PARTS);
  const len = new Uint32Array(lines.length * PARTS);
  let v = 0;
  lines.forEach((l, i) => {
    const p = i * PARTS;
    const k = l.ranges.length / 2;
    let pos = l.start;
    for (let j = 0; j < k; j++) {
      off[p + 2 * j] = pos;
      len[p + 2 * j] = l.start + l.ranges[2 * j] - pos;
      off[p + 2 * j + 1] = constsAt + j * phLen;
      len[p + 2 * j + 1] = phLen;
      pos = l.start + l.ranges[2 * j + 1];
    }
    off[p + 2 * k] = pos;
    len[p + 2 * k] = l.textEnd - pos;
    // parts 2k+1 .. 2*MAX_VALUES stay empty
    off[p + 2 * MAX_VALUES + 1] = constsAt + MAX_VALUES * phLen + k * cntLen;
    len[p + 2 * MAX_VALUES + 1] = cntLen;
    for (let j = 0; j < k; j++, v++) {
      off[p + 2 * MAX_VALUES + 2 + j] = dgAt + v * 32;
      len[p + 2 * MAX_VALUES + 2 + j] = 32;
    }
  });
  const out = new Uint8Array(lines.length * 32);
  gcm.sha256(bytes, off, len, PARTS, out, extra);
  return out;
}

/** The batch as written: each line's bytes with its re-wrapped values spliced in (line-record.ts), into one buffer. */
function output(bytes: Buffer, lines: Line[], lfs: LineFields[], datas: EnvelopeValue[], wrapped: Array<string | null>, targetKeyId: string): ArrayBuffer {
  let v = 0;
  const repls = lines.map((_, i) => {
    const repl = lfs[i].fields.map((f, n) => {
      const w = wrapped[v + n];
      return w === null ? null : replaceEnvelopeKey(f.text, datas[v + n], targetKeyId, w);
    });
    v += lfs[i].fields.length;
    return repl;
  });
  return spliced(bytes, lines, lines.map((l) => l.ranges), repls);
}

/**
 * The same from the scanner's ranges: in each re-wrapped value, the texts of key_id (keyIdAt: 2 per
 * value) and dek_wrapped (textAt: the kernel's 6 per value, dek_wrapped first) are replaced in place,
 * which is what replaceEnvelopeKey does to a value written as the scanner accepts it (each member
 * once, no escapes).
 */
function scannedOutput(bytes: Buffer, lines: Line[], keyIdAt: number[], textAt: number[], wrapped: Array<string | null>, targetKeyId: string): ArrayBuffer {
  const keyText = JSON.stringify(targetKeyId).slice(1, -1);
  let v = 0;
  const edits: number[][] = [];
  const repls: Array<Array<string | null>> = [];
  for (const l of lines) {
    const ranges: number[] = [];
    const repl: string[] = [];
    for (let k = 0; k < l.ranges.length / 2; k++, v++) {
      const w = wrapped[v];
      if (w === null) continue;
      const [ks, ke, ds, de] = [keyIdAt[2 * v] - l.start, keyIdAt[2 * v + 1] - l.start, textAt[6 * v] - l.start, textAt[6 * v + 1] - l.start];
      if (ks < ds) ranges.push(ks, ke, ds, de), repl.push(keyText, w);
      else ranges.push(ds, de, ks, ke), repl.push(w, keyText);
    }
    edits.push(ranges);
    repls.push(repl);
  }
  return spliced(bytes, lines, edits, repls);
}

/** The lines with `ranges[i]` of line i replaced by `repls[i]`, into one buffer. */
function spliced(bytes: Buffer, lines: Line[], ranges: number[][], repls: Array<Array<string | null>>): ArrayBuffer {
  const size = lines.reduce((n, l, i) => n + splicedLength(bytes.subarray(l.start, l.textEnd), ranges[i], repls[i]) + l.end - l.textEnd, 0);
  const out = Buffer.from(new ArrayBuffer(size));
  let at = 0;
  lines.forEach((l, i) => (at = spliceInto(out, at, bytes.subarray(l.start, l.textEnd), ranges[i], repls[i], bytes.subarray(l.textEnd, l.end))));
  return out.buffer as ArrayBuffer;
}
