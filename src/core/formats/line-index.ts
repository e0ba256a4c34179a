import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { float64s, GrowableArray, uint32s } from './growable-array';
import { fnv1a, UNKNOWN_ID_HASH, UpdateIdIndex } from './update-ids';

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
/** Bytes of a line kept while it straddles chunks: enough for `UPDATE: {"id":"<36 chars>"`. */
const HEAD_BYTES = 128;
const UPDATE_PREFIX = Buffer.from('UPDATE: ');
const UPDATE_ID_PREFIX = Buffer.from('UPDATE: {"id":"');
const QUOTE = 34;
const BACKSLASH = 92;
const FINGERPRINT_BYTES = 64;
export const DEFAULT_CHUNK_BYTES = 1 << 20;

export interface LineIndexOptions {
  /** Symbiont: lines starting with `UPDATE: ` are updates, not entries. */
  classifyUpdates?: boolean;
  /** Read size; ~1 MiB by default. */
  chunkBytes?: number;
}

export interface ProgressiveIndexOptions extends LineIndexOptions {
  /** Resolve once at least this many bytes are indexed (or the file is done); default one chunk. */
  firstBytes?: number;
}

/** How far a (progressive) index build has got. */
export interface IndexProgress {
  /** Bytes covered by complete lines so far. */
  indexedBytes: number;
  /** File size when the build started (the build stops there; later growth is for extend()). */
  totalBytes: number;
  entries: number;
  done: boolean;
}

export type IndexProgressListener = (p: IndexProgress) => void;

export type ExtendResult =
  | { status: 'unchanged' }
  | { status: 'grown'; newLines: number; newEntries: number; newUpdates: number }
  /** The file shrank or was replaced: the index no longer describes it; reopen and rebuild. */
  | { status: 'rebuild'; reason: string };

function isBlankRun(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c !== SPACE && c !== TAB && c !== CR) return false;
  }
  return true;
}

function startsWith(b: Uint8Array, start: number, end: number, prefix: Uint8Array): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[start + i] !== prefix[i]) return false;
  return true;
}

/** Hash of the id of `UPDATE: {"id":"..."`, or UNKNOWN_ID_HASH when the id is not at that place. */
function updateIdHash(b: Uint8Array, start: number, end: number): number {
  if (!startsWith(b, start, end, UPDATE_ID_PREFIX)) return UNKNOWN_ID_HASH;
  const idStart = start + UPDATE_ID_PREFIX.length;
  for (let i = idStart; i < end; i++) {
    if (b[i] === QUOTE) return fnv1a(b, idStart, i);
    if (b[i] === BACKSLASH) return UNKNOWN_ID_HASH;
  }
  return UNKNOWN_ID_HASH;
}

/**
 * Byte offsets of the lines of a log file, built by streaming. Only complete lines (ending in '\n')
 * are indexed; a trailing partial line is pending (its writer may still be appending).
 * Blank lines (only spaces, tabs, CR) get a line number but are neither entries nor updates.
 */
export class LineIndex {
  /**
   * starts[i] = byte offset of line i. The end of the last line is `complete`. 4 bytes per line while
   * offsets fit 32 bits, switched once to 8 (Float64) past 4 GiB.
   */
  private starts: GrowableArray<Uint32Array> | GrowableArray<Float64Array> = new GrowableArray(uint32s);
  private wideStarts = false;
  /** Line of each entry; left empty while every line is an entry (entry e = line e, the usual case). */
  private readonly entries = new GrowableArray(uint32s, 16);
  private entriesAreLines = true;
  private entryTotal = 0;
  readonly updates = new UpdateIdIndex();
  private complete = 0;
  private pending = 0;
  private fingerprint: Buffer = Buffer.alloc(0);
  private readonly chunkBytes: number;
  private readonly classifyUpdates: boolean;
  private bufs: [Buffer, Buffer] | null = null;
  /** The background build of a progressive index; null once settled or when built at once. */
  private building: Promise<void> | null = null;
  private buildError: Error | null = null;
  private cancelled = false;
  private targetBytes = 0;
  private readonly listeners = new Set<IndexProgressListener>();

  private constructor(
    private readonly handle: FileHandle,
    private readonly path: string | null,
    opts: LineIndexOptions,
  ) {
    this.chunkBytes = Math.max(16, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    this.classifyUpdates = opts.classifyUpdates ?? false;
  }

  /** Indexes the file open in `handle`; `path`, if given, lets extend() notice a replaced file. */
  static async build(handle: FileHandle, path: string | null, opts: LineIndexOptions = {}): Promise<LineIndex> {
    const index = new LineIndex(handle, path, opts);
    await index.scanFrom(0);
    index.starts.trim();
    index.entries.trim();
    index.updates.trim();
    return index;
  }

  /**
   * Progressive build: resolves once the first `firstBytes` (default one chunk) are indexed, and keeps
   * indexing the rest in the background, one chunk per event-loop turn. Meanwhile entryCount grows, the
   * lines known so far can be read, `indexing` is true and `whenComplete()` tells when it is done.
   * Rejects (and stops) if the first part cannot be read.
   */
  static async buildProgressive(handle: FileHandle, path: string | null, opts: ProgressiveIndexOptions = {}): Promise<LineIndex> {
    const index = new LineIndex(handle, path, opts);
    index.targetBytes = (await handle.stat()).size;
    const firstBytes = Math.max(1, opts.firstBytes ?? index.chunkBytes);
    let firstDone!: () => void;
    const first = new Promise<void>((resolve) => (firstDone = resolve));
    const building = index
      .scanFrom(0, (scanned) => {
        if (scanned >= firstBytes) firstDone();
        index.notify(false);
      })
      .then(
        () => {
          index.starts.trim();
          index.entries.trim();
          index.updates.trim();
          index.building = null;
          index.notify(true);
        },
        (err: unknown) => {
          index.buildError = err instanceof Error ? err : new Error(String(err));
          index.building = null;
          index.notify(true);
          throw index.buildError;
        },
      );
    index.building = building;
    building.catch(() => undefined); // reported through whenComplete()
    await Promise.race([first, building]);
    return index;
  }

  /** True while a progressive build is still indexing in the background. */
  get indexing(): boolean {
    return this.building !== null;
  }

  /** Resolves when the index covers the file as it was at build time; rejects if the build failed. */
  whenComplete(): Promise<void> {
    if (this.building) return this.building;
    return this.buildError ? Promise.reject(this.buildError) : Promise.resolve();
  }

  get progress(): IndexProgress {
    return { indexedBytes: this.complete, totalBytes: Math.max(this.targetBytes, this.complete), entries: this.entryCount, done: this.building === null };
  }

  /** Called after every indexed chunk of a progressive build and once at its end. Returns an unsubscribe. */
  onProgress(listener: IndexProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops a progressive build after the chunk in hand (before closing the file); the index stays partial. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.building?.catch(() => undefined);
  }

  private notify(done: boolean): void {
    if (this.listeners.size === 0) return;
    const p = { ...this.progress, done };
    for (const l of this.listeners) {
      try {
        l(p);
      } catch {
        // a listener's failure must not stop indexing
      }
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }
  get entryCount(): number {
    return this.entryTotal;
  }
  get updateCount(): number {
    return this.updates.count;
  }
  /** Bytes covered by complete lines. */
  get byteLength(): number {
    return this.complete;
  }
  /** Bytes after the last '\n' at the last scan (a line still being written). */
  get pendingBytes(): number {
    return this.pending;
  }
  /** Memory held by the index arrays. */
  get memoryBytes(): number {
    return this.starts.byteLength + this.entries.byteLength + this.updates.byteLength;
  }

  lineStart(line: number): number {
    this.checkLine(line);
    return this.starts.get(line);
  }
  /** Offset just past the line's '\n'. */
  lineEnd(line: number): number {
    this.checkLine(line);
    return line + 1 < this.starts.length ? this.starts.get(line + 1) : this.complete;
  }
  entryLine(entry: number): number {
    if (!(entry >= 0 && entry < this.entryTotal)) throw new RangeError(`entry ${entry} out of range 0..${this.entryTotal - 1}`);
    return this.entriesAreLines ? Math.floor(entry) : this.entries.get(entry);
  }
  /** Entry number of `line`, or -1 when the line is not an entry. */
  entryOfLine(line: number): number {
    if (this.entriesAreLines) return Number.isInteger(line) && line >= 0 && line < this.entryTotal ? line : -1;
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.entries.get(mid);
      if (v === line) return mid;
      if (v < line) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Continues from the last complete line (the file grew); detects shrinking or replacement. */
  async extend(): Promise<ExtendResult> {
    await this.whenComplete();
    const stat = await this.handle.stat();
    if (stat.size < this.complete) return { status: 'rebuild', reason: `file shrank from ${this.complete} to ${stat.size} bytes` };
    if (this.path !== null) {
      const onDisk = await fsp.stat(this.path).catch(() => null);
      if (onDisk === null) return { status: 'rebuild', reason: 'file was removed or renamed' };
      if (onDisk.ino !== stat.ino || onDisk.dev !== stat.dev) return { status: 'rebuild', reason: 'file was replaced' };
    }
    if (!(await this.stillSameContent())) return { status: 'rebuild', reason: 'file content changed before the indexed end' };
    if (stat.size === this.complete) {
      this.pending = 0;
      return { status: 'unchanged' };
    }
    const before = { lines: this.lineCount, entries: this.entryCount, updates: this.updateCount };
    await this.scanFrom(this.complete);
    const newLines = this.lineCount - before.lines;
    if (newLines === 0) return { status: 'unchanged' };
    return { status: 'grown', newLines, newEntries: this.entryCount - before.entries, newUpdates: this.updateCount - before.updates };
  }

  private checkLine(line: number): void {
    if (!(line >= 0 && line < this.starts.length)) throw new RangeError(`line ${line} out of range 0..${this.starts.length - 1}`);
  }

  private async stillSameContent(): Promise<boolean> {
    if (this.complete === 0) return true;
    const probe = Buffer.alloc(Math.max(this.fingerprint.length, 1));
    const last = await this.handle.read(probe, 0, 1, this.complete - 1);
    if (last.bytesRead !== 1 || probe[0] !== NL) return false;
    const head = await this.handle.read(probe, 0, this.fingerprint.length, 0);
    return head.bytesRead === this.fingerprint.length && probe.subarray(0, head.bytesRead).equals(this.fingerprint);
  }

  private addLine(start: number, head: Uint8Array, headStart: number, headEnd: number, blank: boolean): void {
    const line = this.starts.length;
    if (start > 0xffffffff && !this.wideStarts) this.widenStarts();
    this.starts.push(start);
    if (blank) {
      this.storeEntries(line);
      return;
    }
    if (this.classifyUpdates && startsWith(head, headStart, headEnd, UPDATE_PREFIX)) {
      this.storeEntries(line);
      this.updates.add(updateIdHash(head, headStart, headEnd), line);
    } else {
      if (!this.entriesAreLines) this.entries.push(line);
      this.entryTotal++;
    }
  }

  /** Line `line` is not an entry: from now on entry lines are stored (lines 0..line-1 were all entries). */
  private storeEntries(line: number): void {
    if (!this.entriesAreLines) return;
    for (let l = 0; l < line; l++) this.entries.push(l);
    this.entriesAreLines = false;
  }

  private widenStarts(): void {
    const wide = new GrowableArray(float64s, this.starts.length + 1);
    for (let i = 0; i < this.starts.length; i++) wide.push(this.starts.get(i));
    this.starts = wide;
    this.wideStarts = true;
  }

  /** Indexes from `offset` (a line start) to the end of the file; `onChunk` runs after each chunk. */
  private async scanFrom(offset: number, onChunk?: (indexedBytes: number) => void): Promise<void> {
    // Two buffers: the next read runs in the thread pool while this chunk is scanned.
    const bufs = (this.bufs ??= [Buffer.allocUnsafe(this.chunkBytes), Buffer.allocUnsafe(this.chunkBytes)]);
    const head = Buffer.allocUnsafe(HEAD_BYTES);
    let headLen = 0;
    let pendingBlank = true;
    let pos = offset;
    let lineStart = offset;
    let which = 0;
    let reading = this.handle.read(bufs[0], 0, this.chunkBytes, pos);
    for (;;) {
      const { bytesRead, buffer: buf } = await reading;
      if (bytesRead === 0 || this.cancelled) break;
      which ^= 1;
      reading = this.handle.read(bufs[which], 0, this.chunkBytes, pos + bytesRead);
      const chunk = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      let i = 0;
      // A line that started in an earlier chunk: finish it with its saved head.
      if (lineStart < pos) {
        const nl = chunk.indexOf(NL, 0);
        const upto = nl < 0 ? bytesRead : nl;
        const take = Math.min(HEAD_BYTES - headLen, upto);
        if (take > 0) chunk.copy(head, headLen, 0, take), (headLen += take);
        pendingBlank = pendingBlank && isBlankRun(chunk, 0, upto);
        if (nl < 0) {
          pos += bytesRead;
          continue;
        }
        this.addLine(lineStart, head, 0, headLen, pendingBlank);
        i = nl + 1;
        lineStart = pos + i;
      }
      for (;;) {
        const nl = chunk.indexOf(NL, i);
        if (nl < 0) break;
        this.addLine(lineStart, chunk, i, Math.min(nl, i + HEAD_BYTES), isBlankRun(chunk, i, nl));
        i = nl + 1;
        lineStart = pos + i;
      }
      headLen = Math.min(HEAD_BYTES, bytesRead - i);
      chunk.copy(head, 0, i, i + headLen);
      pendingBlank = isBlankRun(chunk, i, bytesRead);
      pos += bytesRead;
      this.complete = lineStart;
      onChunk?.(lineStart);
    }
    this.complete = lineStart;
    this.pending = pos - lineStart;
    if (this.fingerprint.length < FINGERPRINT_BYTES && this.complete > this.fingerprint.length) {
      const fp = Buffer.alloc(Math.min(FINGERPRINT_BYTES, this.complete));
      const { bytesRead } = await this.handle.read(fp, 0, fp.length, 0);
      this.fingerprint = fp.subarray(0, bytesRead);
    }
  }
}
