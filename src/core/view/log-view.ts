/**
 * The per-file state every viewer of one open log shares, pure (no 'vscode'): compact decryption
 * status per entry (a status byte and a key-label index each), failures, a page cache of decrypted
 * entries (LRU, plaintext in memory only), the sortable columns and facets from one background
 * scan, the histogram, and the census. Panels read it; only LogView writes it.
 */
import type { LogSession } from '../log-session';
import type { DecryptedEntry, LogRecord } from '../model';
import { bucketize, type HistogramBucket } from './histogram';

const ST_UNKNOWN = 0;
const ST_OK = 1;
const ST_ERROR = 2;
const LRU_MAX = 2000;
const SCAN_STEP = 4096;
const FACET_MAX = 200;

export interface Facets {
  agents: string[];
  models: string[];
  types: string[];
}

export type LogViewChange = 'decrypted' | 'histogram' | 'census';

export interface DecryptOptions {
  signal?: AbortSignal;
  /** Each chunk's results as they come (the visible rows update while the rest decrypts). */
  onChunk?: (entries: DecryptedEntry[]) => void;
  /** Decrypt again even when the entry is known and cached. */
  force?: boolean;
  /** Records already read by the caller: used as they are, never read twice. */
  records?: ReadonlyMap<number, LogRecord>;
}

/** Values per entry for sorting, filled by the background scan (NaN: the record has none). */
export interface Columns {
  time: Float64Array;
  latency: Float32Array;
  tokens: Float32Array;
}

export class LogView {
  private status = new Uint8Array(0);
  private keyIdx = new Uint16Array(0);
  private readonly keyLabels: string[] = [''];
  private readonly keyLabelIds = new Map<string, number>();
  readonly failures = new Map<number, { reason: string; error: string }>();
  private readonly lru = new Map<number, DecryptedEntry>();
  /** Entries being decrypted right now, by index (one decryption per entry however many ask). */
  private readonly inflight = new Map<number, Promise<DecryptedEntry | undefined>>();
  private cols: Columns | undefined;
  private scanning: Promise<Columns | undefined> | undefined;
  private scanCtl: AbortController | undefined;
  private buckets: HistogramBucket[] | undefined;
  facets: Facets = { agents: [], models: [], types: [] };
  census: Map<string, number> | undefined;
  private censusRun: Promise<void> | undefined;
  private censusCtl: AbortController | undefined;
  private disposed = false;

  constructor(
    readonly session: LogSession,
    private readonly changed: (reason: LogViewChange) => void = () => undefined,
  ) {
    this.grow(session.entryCount());
  }

  get entryCount(): number {
    return this.session.entryCount();
  }

  /** Entries decrypted per batch: Symbiont entries cost Argon2 runs, so its batches stay small. */
  get chunkSize(): number {
    return this.session.format === 'symbiont' ? 4 : 200;
  }

  /** Makes room for entries appended (live tail, progressive indexing). */
  grow(n: number): void {
    if (n <= this.status.length) return;
    const s = new Uint8Array(Math.max(n, Math.ceil(this.status.length * 1.5)));
    s.set(this.status);
    this.status = s;
    const k = new Uint16Array(s.length);
    k.set(this.keyIdx);
    this.keyIdx = k;
  }

  // ------------------------------------------------------------ decryption state

  private note(e: DecryptedEntry): void {
    this.grow(e.index + 1);
    const wasFailure = this.status[e.index] === ST_ERROR;
    if (e.status === 'ok') {
      this.status[e.index] = ST_OK;
      this.failures.delete(e.index);
    } else {
      this.status[e.index] = ST_ERROR;
      this.failures.set(e.index, { reason: e.reason ?? 'corrupt', error: e.error ?? 'failed' });
    }
    if (wasFailure !== (e.status !== 'ok')) this.buckets = undefined;
    if (e.key) {
      let id = this.keyLabelIds.get(e.key);
      if (id === undefined) {
        id = this.keyLabels.length;
        this.keyLabels.push(e.key);
        this.keyLabelIds.set(e.key, id);
      }
      this.keyIdx[e.index] = id;
    }
    this.lru.delete(e.index);
    this.lru.set(e.index, e);
    if (this.lru.size > LRU_MAX) {
      const first = this.lru.keys().next().value;
      if (first !== undefined) this.lru.delete(first);
    }
  }

  isKnown(index: number): boolean {
    return (this.status[index] ?? ST_UNKNOWN) !== ST_UNKNOWN;
  }

  isFailure(index: number): boolean {
    return this.status[index] === ST_ERROR;
  }

  keyOf(index: number): string | null {
    const id = this.keyIdx[index] ?? 0;
    return id === 0 ? null : (this.keyLabels[id] ?? null);
  }

  /** The decrypted entry if it is in the page cache (and marks it recently used). */
  cached(index: number): DecryptedEntry | undefined {
    const e = this.lru.get(index);
    if (e) {
      this.lru.delete(index);
      this.lru.set(index, e);
    }
    return e;
  }

  /** Entries counted per key label from what has been decrypted so far. */
  partialCounts(): Map<string, number> {
    const m = new Map<string, number>();
    for (let i = 0; i < this.status.length; i++) {
      if (this.status[i] === ST_OK) {
        const l = this.keyOf(i) ?? 'unknown';
        m.set(l, (m.get(l) ?? 0) + 1);
      }
    }
    return m;
  }

  /** Census where it ran, else what has been decrypted so far. */
  counts(): { counts: Map<string, number>; partial: boolean } {
    return this.census ? { counts: this.census, partial: false } : { counts: this.partialCounts(), partial: true };
  }

  /** Every key label seen (census or decrypted), sorted: the key filter's choices. */
  keyLabelsSeen(): string[] {
    return [...new Set([...this.partialCounts().keys(), ...(this.census?.keys() ?? [])])].sort();
  }

  /** Records for arbitrary indices in one read per contiguous run. */
  async recordsAt(indices: readonly number[]): Promise<Map<number, LogRecord>> {
    const out = new Map<number, LogRecord>();
    const sorted = [...new Set(indices)].filter((i) => i >= 0).sort((a, b) => a - b);
    let i = 0;
    while (i < sorted.length) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
      for (const r of await this.session.readRecords(sorted[i]!, j - i + 1)) out.set(r.index, r);
      i = j + 1;
    }
    return out;
  }

  /**
   * Decrypts the given entries (those not known and cached yet, unless `force`) in chunks, so callers
   * see progress. Records the caller already read are used as they are. An entry another call is
   * decrypting right now is not decrypted twice: its result is awaited (and passed to `onChunk`).
   */
  async decrypt(indices: readonly number[], o: DecryptOptions = {}): Promise<DecryptedEntry[]> {
    const todo = [...new Set(indices)].filter((i) => o.force || !this.isKnown(i) || !this.lru.has(i)).sort((a, b) => a - b);
    const mine: number[] = [];
    const theirs: [number, Promise<DecryptedEntry | undefined>][] = [];
    for (const i of todo) {
      const running = this.inflight.get(i);
      if (running) theirs.push([i, running]);
      else mine.push(i);
    }
    const all = await this.decryptChunks(mine, o);
    const again: number[] = [];
    for (const [i, running] of theirs) {
      const e = await running;
      if (e) {
        all.push(e);
        o.onChunk?.([e]);
      } else again.push(i); // the other call was cancelled before it got there
    }
    if (again.length && !o.signal?.aborted) all.push(...(await this.decryptChunks(again, o)));
    return all;
  }

  private async decryptChunks(todo: readonly number[], o: DecryptOptions): Promise<DecryptedEntry[]> {
    const all: DecryptedEntry[] = [];
    const size = this.chunkSize;
    for (let k = 0; k < todo.length && !this.disposed; k += size) {
      if (o.signal?.aborted) break;
      const chunk = todo.slice(k, k + size);
      const run = this.decryptChunk(chunk, o);
      const pending = new Map(chunk.map((i) => [i, run.then((es) => es.find((e) => e.index === i), () => undefined)]));
      for (const [i, p] of pending) this.inflight.set(i, p);
      let entries: DecryptedEntry[];
      try {
        entries = await run;
      } catch (e) {
        if (o.signal?.aborted) break;
        throw e;
      } finally {
        for (const [i, p] of pending) if (this.inflight.get(i) === p) this.inflight.delete(i);
      }
      for (const e of entries) this.note(e);
      all.push(...entries);
      if (entries.length) o.onChunk?.(entries);
      this.changed('decrypted');
    }
    return all;
  }

  /** One chunk's entries, those cancelled left out. */
  private async decryptChunk(chunk: number[], o: DecryptOptions): Promise<DecryptedEntry[]> {
    const given = o.records && chunk.every((i) => o.records!.has(i)) ? chunk.map((i) => o.records!.get(i)!) : undefined;
    const contiguous = chunk[chunk.length - 1]! - chunk[0]! === chunk.length - 1;
    let entries: DecryptedEntry[];
    if (given) entries = await this.session.decryptRecords(given, o.signal);
    else if (contiguous) entries = await this.session.decryptEntries(chunk[0]!, chunk.length, o.signal);
    else entries = await this.session.decryptRecords([...(await this.recordsAt(chunk)).values()], o.signal);
    return entries.filter((e) => e.reason !== 'cancelled');
  }

  /** Cached entries where there are, decrypting the rest: one result per index that exists. */
  async entries(indices: readonly number[], o: Omit<DecryptOptions, 'force' | 'onChunk'> = {}): Promise<Map<number, DecryptedEntry>> {
    const got = new Map<number, DecryptedEntry>();
    const need: number[] = [];
    for (const i of indices) {
      const c = this.cached(i);
      if (c) got.set(i, c);
      else need.push(i);
    }
    if (need.length) for (const e of await this.decrypt(need, { ...o, force: true })) got.set(e.index, e);
    return got;
  }

  /** One entry, decrypted if needed. */
  async entry(index: number, signal?: AbortSignal): Promise<DecryptedEntry | undefined> {
    if (index < 0 || index >= this.entryCount) return undefined;
    return (await this.entries([index], { signal })).get(index);
  }

  // ------------------------------------------------------------ columns, facets, histogram

  /** The sortable columns, once the background scan is done (undefined before). */
  get columns(): Columns | undefined {
    return this.cols;
  }

  /** Starts (or restarts, after the log grew) the scan of every record's plaintext fields. */
  scan(): Promise<Columns | undefined> {
    this.scanCtl?.abort();
    const ctl = new AbortController();
    this.scanCtl = ctl;
    this.scanning = this.scanAll(ctl.signal).catch(() => undefined);
    return this.scanning;
  }

  /** The columns, waiting for the index of a progressive open and a running scan (or starting one). */
  async whenScanned(): Promise<Columns | undefined> {
    if (this.session.indexing) await this.session.whenIndexed();
    if (this.cols && this.cols.time.length >= this.entryCount) return this.cols;
    return this.scanning ?? this.scan();
  }

  private async scanAll(signal: AbortSignal): Promise<Columns | undefined> {
    const n = this.session.entryCount();
    const cols: Columns = { time: new Float64Array(n), latency: new Float32Array(n), tokens: new Float32Array(n) };
    const agents = new Set<string>();
    const models = new Set<string>();
    const types = new Set<string>();
    for (let from = 0; from < n; from += SCAN_STEP) {
      if (signal.aborted || this.disposed) return undefined;
      for (const r of await this.session.readRecords(from, Math.min(SCAN_STEP, n - from))) {
        cols.time[r.index] = r.timestamp ? Date.parse(r.timestamp) : NaN;
        cols.latency[r.index] = r.latencyMs ?? NaN;
        cols.tokens[r.index] = r.tokenUsage?.total_tokens ?? NaN;
        if (r.parseError && !this.isKnown(r.index)) {
          this.grow(r.index + 1);
          this.status[r.index] = ST_ERROR;
          this.failures.set(r.index, { reason: 'corrupt', error: r.parseError });
        }
        if (r.agentId && agents.size < FACET_MAX) agents.add(r.agentId);
        if (r.modelIdentifier && models.size < FACET_MAX) models.add(r.modelIdentifier);
        if (r.interactionType && types.size < 50) types.add(r.interactionType);
      }
      await new Promise((res) => setImmediate(res));
    }
    if (signal.aborted || this.disposed) return undefined;
    this.cols = cols;
    this.buckets = undefined;
    this.facets = { agents: [...agents].sort(), models: [...models].sort(), types: [...types].sort() };
    this.changed('histogram');
    return cols;
  }

  /** Entries and failures over time (empty until the scan is done); recomputed only when failures changed. */
  histogram(): HistogramBucket[] {
    if (!this.cols) return [];
    this.buckets ??= bucketize(this.cols.time, (i) => this.status[i] === ST_ERROR);
    return this.buckets;
  }

  // ------------------------------------------------------------ census

  get censusRunning(): boolean {
    return this.censusRun !== undefined;
  }

  /** Entries per key version over the whole log (one pass; one at a time). */
  runCensus(onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
    if (this.censusRun) return this.censusRun;
    const ctl = new AbortController();
    this.censusCtl = ctl;
    const stop = () => ctl.abort();
    signal?.addEventListener('abort', stop, { once: true });
    this.censusRun = (async () => {
      try {
        const m = await this.session.census(ctl.signal, onProgress);
        if (!ctl.signal.aborted) {
          this.census = m;
          this.changed('census');
        }
      } catch {
        /* cancelled or failed: counts fall back to partial */
      } finally {
        signal?.removeEventListener('abort', stop);
        this.censusRun = undefined;
      }
    })();
    return this.censusRun;
  }

  /** Stops background work and drops every decrypted entry. The session is the caller's to close. */
  dispose(): void {
    this.disposed = true;
    this.scanCtl?.abort();
    this.censusCtl?.abort();
    this.lru.clear();
  }
}
