import type { FileHandle } from 'node:fs/promises';
import { openRegularForRead } from './regular-file';
import type { FormatId, LogRecord } from '../model';
import { detectFileFormat, type Detection } from './detect';
import { LineIndex, type ExtendResult, type IndexProgress, type IndexProgressListener } from './line-index';
import { entryParser, type EntryParser } from './record-parser';
import { mergeSymbiontUpdates, parseSymbiontUpdate, type ParsedUpdate, type SymbiontUpdate } from './symbiont';
import { idHash } from './update-ids';

export interface OpenOptions {
  /** Skip detection and read the file as this format. */
  format?: FormatId;
  chunkBytes?: number;
  /**
   * Return as soon as the first chunk is indexed and keep indexing in the background (see `indexing`,
   * `whenIndexed()`, `onIndexProgress()`): the first screen of a huge file costs what a small one does.
   * Until indexing completes, entryCount grows and reads see only the entries indexed so far;
   * Symbiont reads and full passes wait for the whole index (an UPDATE line may be anywhere later).
   * Default false: open() resolves with the file fully indexed.
   */
  progressive?: boolean;
}

export class UnknownFormatError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: unrecognised log format: ${reason}`);
    this.name = 'UnknownFormatError';
  }
}

/** An UPDATE line that merged into no entry (its id never appears), or that could not be parsed. */
export interface OrphanUpdate {
  line: number;
  id: string | null;
  error: string | null;
}

/** Separate reads closer than this are done as one. */
const COALESCE_GAP = 64 * 1024;
/** Byte budget of one batch of iterateRecords. */
const BATCH_BYTES = 4 << 20;
/** Largest batch read into the reused scratch buffer; bigger ones get a buffer of their own. */
const SCRATCH_MAX = 2 * BATCH_BYTES;
/** Orphans reported in detail; the rest are only counted. */
const MAX_ORPHAN_DETAILS = 1000;

function textOf(bytes: Buffer): string {
  return bytes.toString('utf8');
}

/** A line's bytes without its '\n' (and without a CR before it). */
function stripTerminator(b: Buffer): Buffer {
  let end = b.length;
  if (end > 0 && b[end - 1] === 10) end--;
  if (end > 0 && b[end - 1] === 13) end--;
  return b.subarray(0, end);
}

/** One open log file: detected format, line index, and record reads that touch only what they need. */
export class LogFile {
  private orphans: OrphanUpdate[] | null = null;
  private orphanTotal = 0;
  private readonly parse: EntryParser;

  private constructor(
    readonly path: string,
    readonly format: FormatId,
    readonly detection: Detection | null,
    private readonly handle: FileHandle,
    readonly index: LineIndex,
  ) {
    this.parse = entryParser(format);
  }

  /** Detects the format (unless given) and indexes the file. Rejects with UnknownFormatError. */
  static async open(path: string, opts: OpenOptions = {}): Promise<LogFile> {
    let detection: Detection | null = null;
    let format = opts.format;
    if (format === undefined) {
      detection = await detectFileFormat(path);
      if (detection.format === 'unknown') throw new UnknownFormatError(path, detection.reason);
      format = detection.format;
    }
    const handle = await openRegularForRead(path);
    try {
      const indexOpts = { classifyUpdates: format === 'symbiont', chunkBytes: opts.chunkBytes };
      const index = opts.progressive ? await LineIndex.buildProgressive(handle, path, indexOpts) : await LineIndex.build(handle, path, indexOpts);
      return new LogFile(path, format, detection, handle, index);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /** The open descriptor the index was built from (a census reads the same file, whatever the path now names). */
  get descriptor(): FileHandle {
    return this.handle;
  }

  /** Entries indexed so far (all of them unless a progressive open is still indexing). */
  get entryCount(): number {
    return this.index.entryCount;
  }

  /** True while a progressive open is still indexing the file in the background. */
  get indexing(): boolean {
    return this.index.indexing;
  }

  /** Resolves when the whole file (as it was when opened) is indexed; at once for a plain open. */
  whenIndexed(): Promise<void> {
    return this.index.whenComplete();
  }

  get indexProgress(): IndexProgress {
    return this.index.progress;
  }

  /** Progress of a progressive open, after each indexed chunk and at the end. Returns an unsubscribe. */
  onIndexProgress(listener: IndexProgressListener): () => void {
    return this.index.onProgress(listener);
  }

  /** UPDATE lines that merged into nothing, from the last complete iterateRecords pass (null before one). */
  get orphanUpdates(): OrphanUpdate[] | null {
    return this.orphans;
  }
  /** How many orphan UPDATE lines the last complete pass found (details are capped). */
  get orphanUpdateCount(): number {
    return this.orphanTotal;
  }

  /** Indexes what was appended since (live tail). On `rebuild`, close and open again. */
  extend(): Promise<ExtendResult> {
    return this.index.extend();
  }

  async close(): Promise<void> {
    await this.index.cancel();
    await this.handle.close();
  }

  /** Entries [from, from+count) clipped to the file, with their UPDATE lines merged (Symbiont). */
  async readRecords(fromEntry: number, count: number, signal?: AbortSignal): Promise<LogRecord[]> {
    // Symbiont: an entry's UPDATE lines may lie anywhere after it, so merging needs the whole index.
    if (this.format === 'symbiont' && this.index.indexing) await this.whenIndexed();
    const from = Math.max(0, Math.floor(fromEntry));
    const to = Math.min(this.index.entryCount, from + Math.max(0, Math.floor(count)));
    if (to <= from) return [];
    signal?.throwIfAborted();
    const { records } = await this.readBatch(from, to);
    return records;
  }

  /** Every record in file order, read in bounded batches; never holds the whole file. */
  async *iterateRecords(signal?: AbortSignal): AsyncGenerator<LogRecord, void, undefined> {
    if (this.index.indexing) await this.whenIndexed();
    const merged = this.format === 'symbiont' ? new Uint8Array(this.index.updateCount) : null;
    let from = 0;
    while (from < this.index.entryCount) {
      signal?.throwIfAborted();
      const to = this.batchEnd(from);
      const { records, usedUpdates } = await this.readBatch(from, to);
      if (merged) for (const line of usedUpdates) {
        const k = this.index.updates.positionOfLine(line);
        if (k >= 0 && k < merged.length) merged[k] = 1;
      }
      for (const r of records) yield r;
      from = to;
    }
    if (merged) await this.collectOrphans(merged);
  }

  /** Raw bytes of entry i's line, without its line terminator. */
  async readEntryLine(entry: number): Promise<Buffer> {
    const [b] = await this.readLines([this.index.entryLine(entry)]);
    return b!;
  }

  /** Raw bytes of the given lines (any kind), without terminators, in the order asked. */
  async readLines(lines: readonly number[]): Promise<Buffer[]> {
    const got = await this.readLineMap(lines);
    return lines.map((l) => got.get(l)!);
  }

  private batchEnd(from: number): number {
    const start = this.index.lineStart(this.index.entryLine(from));
    let lo = from + 1;
    let hi = this.index.entryCount;
    // Largest `to` whose span stays within the budget (at least one entry).
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const end = this.index.lineEnd(this.index.entryLine(mid - 1));
      if (end - start <= BATCH_BYTES) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private async readSpan(start: number, end: number, into?: Buffer): Promise<Buffer> {
    const buf = into ? into.subarray(0, end - start) : Buffer.allocUnsafe(end - start);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await this.handle.read(buf, got, buf.length - got, start + got);
      if (bytesRead === 0) throw new Error(`${this.path}: file ended at ${start + got}, expected ${end} bytes (was it truncated?)`);
      got += bytesRead;
    }
    return buf;
  }

  /** Reads lines grouped into coalesced spans. */
  private async readLineMap(lines: readonly number[], have?: { firstLine: number; lastLine: number; buf: Buffer; base: number }): Promise<Map<number, Buffer>> {
    const out = new Map<number, Buffer>();
    const slice = (buf: Buffer, base: number, line: number) =>
      stripTerminator(buf.subarray(this.index.lineStart(line) - base, this.index.lineEnd(line) - base));
    const missing: number[] = [];
    for (const l of [...new Set(lines)].sort((a, b) => a - b)) {
      if (have && l >= have.firstLine && l <= have.lastLine) out.set(l, slice(have.buf, have.base, l));
      else missing.push(l);
    }
    let i = 0;
    while (i < missing.length) {
      let j = i;
      while (j + 1 < missing.length && this.index.lineStart(missing[j + 1]!) - this.index.lineEnd(missing[j]!) <= COALESCE_GAP) j++;
      const base = this.index.lineStart(missing[i]!);
      const buf = await this.readSpan(base, this.index.lineEnd(missing[j]!));
      for (let k = i; k <= j; k++) out.set(missing[k]!, slice(buf, base, missing[k]!));
      i = j + 1;
    }
    return out;
  }

  /**
   * A read buffer reused by batch reads (their records copy what they keep out of it). Fresh multi-MB
   * buffers per batch cost more in page faults than the parse on some VMs. One borrower at a time.
   */
  private scratch: Buffer | null = null;
  private scratchBusy = false;

  private borrowScratch(bytes: number): Buffer | undefined {
    if (this.scratchBusy || bytes > SCRATCH_MAX) return undefined;
    if (!this.scratch || this.scratch.length < bytes) this.scratch = Buffer.allocUnsafe(Math.max(bytes, 256 * 1024));
    this.scratchBusy = true;
    return this.scratch;
  }

  private async readBatch(from: number, to: number): Promise<{ records: LogRecord[]; usedUpdates: number[] }> {
    const firstLine = this.index.entryLine(from);
    const lastLine = this.index.entryLine(to - 1);
    const base = this.index.lineStart(firstLine);
    const end = this.index.lineEnd(lastLine);
    const scratch = this.borrowScratch(end - base);
    try {
      return await this.parseBatch(from, to, firstLine, lastLine, base, await this.readSpan(base, end, scratch));
    } finally {
      if (scratch) this.scratchBusy = false;
    }
  }

  private async parseBatch(from: number, to: number, firstLine: number, lastLine: number, base: number, buf: Buffer): Promise<{ records: LogRecord[]; usedUpdates: number[] }> {
    const records: LogRecord[] = [];
    for (let e = from; e < to; e++) {
      const line = this.index.entryLine(e);
      const bytes = buf.subarray(this.index.lineStart(line) - base, this.index.lineEnd(line) - base);
      records.push(this.parse(textOf(stripTerminator(bytes)), e, line));
    }
    if (this.format !== 'symbiont' || this.index.updateCount === 0) return { records, usedUpdates: [] };
    return this.mergeUpdates(records, { firstLine, lastLine, buf, base });
  }

  private async mergeUpdates(
    records: LogRecord[],
    have: { firstLine: number; lastLine: number; buf: Buffer; base: number },
  ): Promise<{ records: LogRecord[]; usedUpdates: number[] }> {
    const candidates = new Map<LogRecord, number[]>();
    const wanted = new Set<number>();
    for (const r of records) {
      if (r.id === null || r.parseError !== null) continue;
      const lines = this.index.updates.candidateLines(idHash(r.id));
      if (lines.length === 0) continue;
      candidates.set(r, lines);
      for (const l of lines) wanted.add(l);
    }
    if (wanted.size === 0) return { records, usedUpdates: [] };
    const bytes = await this.readLineMap([...wanted], have);
    const parsed = new Map<number, SymbiontUpdate>();
    for (const [line, b] of bytes) {
      const p = parseSymbiontUpdate(textOf(b), line);
      if (p.ok) parsed.set(line, p.update);
    }
    const used: number[] = [];
    const out = records.map((r) => {
      const lines = candidates.get(r);
      if (!lines) return r;
      const updates = lines.map((l) => parsed.get(l)).filter((u): u is SymbiontUpdate => u !== undefined && u.id === r.id);
      for (const u of updates) used.push(u.line);
      return mergeSymbiontUpdates(r, updates);
    });
    return { records: out, usedUpdates: used };
  }

  private async collectOrphans(merged: Uint8Array): Promise<void> {
    const lines: number[] = [];
    let total = 0;
    for (let k = 0; k < merged.length; k++) {
      if (merged[k]) continue;
      total++;
      if (lines.length < MAX_ORPHAN_DETAILS) lines.push(this.index.updates.lineAt(k));
    }
    const bytes = await this.readLineMap(lines);
    this.orphans = lines.map((line) => {
      const p: ParsedUpdate = parseSymbiontUpdate(textOf(bytes.get(line)!), line);
      return p.ok ? { line, id: p.update.id, error: null } : { line, id: null, error: p.error };
    });
    this.orphanTotal = total;
  }
}
