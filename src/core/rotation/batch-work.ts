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
import { ENVELOPE_BATCH_CODE, ENVELOPE_BATCH_MODE, ENVELOPE_SCAN, gcmKernel, type EnvelopeKeyTable, type GcmKernel } from '../crypto/gcm-kernel';
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
  /** Complete lines, each with its terminator. A rewrite may be written into it, which the reply then hands back as `out`. */
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
  return runNative(kernel, spec, req, gcm, bytes) ?? runParsed(kernel, spec, req, gcm, bytes);
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

const { stride: STRIDE } = ENVELOPE_SCAN;
/** Lines per batch the native path takes (the reader's batches hold 256; a larger one goes the parsed way). */
const SCAN_LINES = 1024;
/** This thread's scanner and record output, reused batch after batch. */
let scanOut: Uint32Array | undefined;
let digestsOut: Uint8Array | undefined;
/** Per spec: the native key tables of the rewrite and of the read-back (the target's key_id only, as candidatesFor). */
const tables = new WeakMap<BatchSpec, { rewrite: EnvelopeKeyTable; verify: EnvelopeKeyTable }>();
const CODE = ENVELOPE_BATCH_CODE;

/**
 * The batch in one native call (envelope_batch.c): the scanner, every value's AES-GCM work and
 * digest, the line records and the rewritten lines. Null when there is no native kernel, when the
 * scanner refuses a line or a key_id has no candidates: the parsed way then takes the batch (and
 * hands it back with its reason where it must).
 */
function runNative(kernel: EnvelopeKernel, spec: BatchSpec, req: BatchRequest, gcm: GcmKernel, bytes: Buffer): BatchReply | null {
  if (!gcm.rewrapEnvelopeBatch) return null;
  let t = tables.get(spec);
  if (!t) {
    t = { rewrite: kernel.keyTable(spec.candidates, spec.targetKeyId), verify: kernel.keyTable(new Map([[spec.targetKeyId, [spec.target]]]), spec.targetKeyId) };
    tables.set(spec, t);
  }
  scanOut ??= new Uint32Array(SCAN_LINES * STRIDE);
  digestsOut ??= new Uint8Array(SCAN_LINES * 32);
  const from = new Uint32Array(kernel.kekCount);
  const info = new Float64Array(7);
  const mode = req.verify ? ENVELOPE_BATCH_MODE.verify : req.dryRun ? ENVELOPE_BATCH_MODE.dryRun : ENVELOPE_BATCH_MODE.rewrite;
  const written = gcm.rewrapEnvelopeBatch(bytes, req.verify ? t.verify : t.rewrite, mode, scanOut, digestsOut, from, info, true);
  const [code, at, lines, fields, onTarget, rewritten, inPlace] = info;
  const out = inPlace ? req.buf : written;
  const left = (reason: string): BatchLeft => ({ id: req.id, done: false, reason: `value ${at}: ${reason}` });
  switch (code) {
    case CODE.done:
      break;
    case CODE.scanRefused:
    case CODE.keyId:
      return null;
    case CODE.notOpened:
      return left('not opened by the kernel');
    case CODE.notTarget:
      return left('not under the target KEK');
    case CODE.notRewrapped:
      return left('not re-wrapped');
    default:
      throw new Error(`the native envelope batch failed (code ${code})`);
  }
  const counts: number[] = [];
  from.forEach((c, k) => c && (counts[k] = c));
  return { id: req.id, done: true, lines, entries: lines, fields, onTarget, rewritten, from: counts, digests: digestsOut.slice(0, lines * 32).buffer, out };
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

/** The lines with `ranges[i]` of line i replaced by `repls[i]`, into one buffer. */
function spliced(bytes: Buffer, lines: Line[], ranges: number[][], repls: Array<Array<string | null>>): ArrayBuffer {
  const size = lines.reduce((n, l, i) => n + splicedLength(bytes.subarray(l.start, l.textEnd), ranges[i], repls[i]) + l.end - l.textEnd, 0);
  const out = Buffer.from(new ArrayBuffer(size));
  let at = 0;
  lines.forEach((l, i) => (at = spliceInto(out, at, bytes.subarray(l.start, l.textEnd), ranges[i], repls[i], bytes.subarray(l.textEnd, l.end))));
  return out.buffer as ArrayBuffer;
}
