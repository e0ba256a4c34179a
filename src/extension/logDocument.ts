import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HistogramBucket, RowSummary } from '../shared/protocol';
import type { DecryptedEntry, FormatId, LogRecord, LogSession } from './core';
import type { EngineHost } from './engineHost';

const ST_UNKNOWN = 0;
const ST_OK = 1;
const ST_ERROR = 2;
const LRU_MAX = 2000;
/** While a huge log is still being indexed, the webview hears about the growing entry count this often. */
const INDEX_ANNOUNCE_MS = 250;

export interface Facets {
  agents: string[];
  models: string[];
  types: string[];
}

/**
 * One open `*.encrypted.log`: the core LogSession plus compact per-entry decryption state shared by
 * every webview showing it (status byte + key-label index per entry, failures by index, and an LRU
 * of full decrypted entries). Plaintext lives only in the LRU, in memory.
 */
export class LogDocument implements vscode.CustomDocument {
  session: LogSession | undefined;
  openError: string | undefined;
  private status = new Uint8Array(0);
  private keyIdx = new Uint16Array(0);
  private readonly keyLabels: string[] = [''];
  private readonly keyLabelIds = new Map<string, number>();
  readonly failures = new Map<number, { reason: string; error: string }>();
  private readonly lru = new Map<number, DecryptedEntry>();
  census: Map<string, number> | undefined;
  /** The format chosen with "Reopen with Format…" (undefined: detected). Kept while the document is open. */
  formatOverride: FormatId | undefined;
  censusRunning: Promise<void> | undefined;
  histogram: HistogramBucket[] = [];
  facets: Facets = { agents: [], models: [], types: [] };
  private times = new Float64Array(0);
  private readonly changed = new vscode.EventEmitter<{ reason: 'tail' | 'reset' | 'decrypted' | 'histogram' | 'census' }>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private histCtl: AbortController | undefined;
  private censusCtl: AbortController | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing = false;
  /** For tests and the report: when the first decrypted rows were posted. */
  openedAt = Date.now();

  constructor(
    readonly uri: vscode.Uri,
    private readonly engines: EngineHost,
  ) {}

  get fileName(): string {
    return path.basename(this.uri.fsPath);
  }

  get entryCount(): number {
    return this.session?.entryCount() ?? 0;
  }

  async open(): Promise<void> {
    try {
      const engine = await this.engines.get();
      // Progressive: the first screen of a 1 GB log costs what a small one does; the rest is indexed
      // in the background and announced like a tail.
      this.session = await engine.open(this.uri.fsPath, { progressive: true, format: this.formatOverride });
      this.openError = undefined;
    } catch (e) {
      this.session = undefined;
      this.openError = (e as Error).message;
    }
    this.resetState();
    this.watch();
    if (this.session?.indexing) this.followIndexing(this.session);
    else this.startHistogram();
  }

  private followIndexing(session: LogSession): void {
    let announced = 0;
    const announce = (): void => {
      if (this.session !== session) return;
      this.grow(session.entryCount());
      this.changed.fire({ reason: 'tail' });
      announced = Date.now();
    };
    const stop = session.onIndexProgress(() => {
      if (Date.now() - announced >= INDEX_ANNOUNCE_MS) announce();
    });
    session.whenIndexed().then(
      () => {
        stop();
        announce();
        if (this.session === session) this.startHistogram();
      },
      () => stop(),
    );
  }

  private reopening: Promise<void> = Promise.resolve();

  /** Reads the file again as `format` (undefined: detect it), forgetting every decryption result. */
  reopenAs(format: FormatId | undefined): Promise<void> {
    this.formatOverride = format;
    return this.reopen();
  }

  /** The engine was replaced (keys changed): reopen and forget every decryption result. Serialized. */
  reopen(): Promise<void> {
    this.reopening = this.reopening.then(() => this.reopenNow()).catch(() => undefined);
    return this.reopening;
  }

  private async reopenNow(): Promise<void> {
    this.histCtl?.abort();
    this.censusCtl?.abort();
    const old = this.session;
    this.session = undefined;
    await old?.close().catch(() => undefined);
    this.census = undefined;
    await this.open();
    this.changed.fire({ reason: 'reset' });
  }

  private resetState(): void {
    const n = this.entryCount;
    this.status = new Uint8Array(n);
    this.keyIdx = new Uint16Array(n);
    this.failures.clear();
    this.lru.clear();
  }

  private grow(n: number): void {
    if (n <= this.status.length) return;
    const s = new Uint8Array(Math.max(n, Math.ceil(this.status.length * 1.5)));
    s.set(this.status);
    this.status = s;
    const k = new Uint16Array(s.length);
    k.set(this.keyIdx);
    this.keyIdx = k;
  }

  private watch(): void {
    if (this.disposables.length) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(this.uri.fsPath)), path.basename(this.uri.fsPath)));
    const kick = (): void => this.scheduleRefresh();
    this.disposables.push(w, w.onDidChange(kick), w.onDidCreate(kick));
    // File watchers may be coarse (remote, polling); a slow poll makes the tail dependable.
    const poll = setInterval(kick, 2000);
    this.disposables.push({ dispose: () => clearInterval(poll) });
  }

  scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refreshNow();
    }, 150);
  }

  /** Live tail: extend the index with appended lines. */
  async refreshNow(): Promise<{ appended: number; replaced: boolean }> {
    if (!this.session || this.refreshing) return { appended: 0, replaced: false };
    this.refreshing = true;
    try {
      const r = await this.session.refresh();
      if (r.replaced) {
        this.resetState();
        this.census = undefined;
        this.changed.fire({ reason: 'reset' });
        this.startHistogram();
      } else if (r.appended > 0) {
        this.grow(this.entryCount);
        this.changed.fire({ reason: 'tail' });
        this.startHistogram();
      }
      return r;
    } catch {
      return { appended: 0, replaced: false };
    } finally {
      this.refreshing = false;
    }
  }

  // ---------------------------------------------------------------- decryption state

  private label(id: number): string | null {
    return id === 0 ? null : (this.keyLabels[id] ?? null);
  }

  private note(e: DecryptedEntry): void {
    this.grow(e.index + 1);
    if (e.status === 'ok') {
      this.status[e.index] = ST_OK;
      this.failures.delete(e.index);
    } else {
      this.status[e.index] = ST_ERROR;
      this.failures.set(e.index, { reason: e.reason ?? 'corrupt', error: e.error ?? 'failed' });
    }
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
    return this.label(this.keyIdx[index] ?? 0);
  }

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
        const l = this.label(this.keyIdx[i] ?? 0) ?? 'unknown';
        m.set(l, (m.get(l) ?? 0) + 1);
      }
    }
    return m;
  }

  decryptedCount(): number {
    let n = 0;
    for (let i = 0; i < this.status.length; i++) if (this.status[i] !== ST_UNKNOWN) n++;
    return n;
  }

  get chunkSize(): number {
    return this.session?.format === 'symbiont' ? 4 : 200;
  }

  /** Reads records for arbitrary (sorted or not) indices, grouping contiguous runs. */
  async recordsAt(indices: number[]): Promise<Map<number, LogRecord>> {
    const out = new Map<number, LogRecord>();
    if (!this.session || indices.length === 0) return out;
    const sorted = [...new Set(indices)].sort((a, b) => a - b);
    let i = 0;
    while (i < sorted.length) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
      const from = sorted[i] ?? 0;
      const recs = await this.session.readRecords(from, j - i + 1);
      for (const r of recs) out.set(r.index, r);
      i = j + 1;
    }
    return out;
  }

  /**
   * Decrypts the given entries (those not known yet, unless `force`), in small chunks so callers
   * see progress; `onChunk` receives each chunk's results. Honors `signal`.
   */
  async decrypt(indices: number[], signal?: AbortSignal, onChunk?: (entries: DecryptedEntry[]) => void, force = false): Promise<DecryptedEntry[]> {
    const session = this.session;
    if (!session) return [];
    const todo = [...new Set(indices)].filter((i) => force || !this.isKnown(i) || !this.lru.has(i)).sort((a, b) => a - b);
    const all: DecryptedEntry[] = [];
    const size = this.chunkSize;
    for (let k = 0; k < todo.length; k += size) {
      if (signal?.aborted) break;
      const chunk = todo.slice(k, k + size);
      let entries: DecryptedEntry[];
      const contiguous = chunk.length > 0 && (chunk[chunk.length - 1] ?? 0) - (chunk[0] ?? 0) === chunk.length - 1;
      try {
        if (contiguous) entries = await session.decryptEntries(chunk[0] ?? 0, chunk.length, signal);
        else {
          const recs = await this.recordsAt(chunk);
          entries = await session.decryptRecords([...recs.values()], signal);
        }
      } catch (e) {
        if (signal?.aborted) break;
        throw e;
      }
      const done = entries.filter((e) => e.reason !== 'cancelled');
      for (const e of done) this.note(e);
      all.push(...done);
      if (done.length) onChunk?.(done);
      this.changed.fire({ reason: 'decrypted' });
    }
    return all;
  }

  rowFor(rec: LogRecord, pos: number): RowSummary {
    const known = this.status[rec.index] ?? ST_UNKNOWN;
    const fail = this.failures.get(rec.index);
    let status: RowSummary['status'] = known === ST_OK ? 'ok' : known === ST_ERROR ? 'error' : 'pending';
    let reason = fail?.reason ?? null;
    let error = fail?.error ?? rec.error ?? null;
    if (rec.parseError) {
      status = 'error';
      reason = 'corrupt';
      error = rec.parseError;
    }
    return {
      index: rec.index,
      pos,
      time: rec.timestamp,
      agent: rec.agentId,
      type: rec.interactionType,
      model: rec.modelIdentifier,
      latencyMs: rec.latencyMs,
      tokens: rec.tokenUsage?.total_tokens ?? null,
      key: this.keyOf(rec.index),
      status,
      reason,
      error,
      recordError: !!rec.error,
    };
  }

  // ---------------------------------------------------------------- histogram / facets / census

  private startHistogram(): void {
    this.histCtl?.abort();
    const ctl = new AbortController();
    this.histCtl = ctl;
    void this.buildHistogram(ctl.signal).catch(() => undefined);
  }

  private async buildHistogram(signal: AbortSignal): Promise<void> {
    const session = this.session;
    if (!session) return;
    const n = session.entryCount();
    const times = new Float64Array(n);
    const agents = new Set<string>();
    const models = new Set<string>();
    const types = new Set<string>();
    const step = 4096;
    for (let from = 0; from < n; from += step) {
      if (signal.aborted) return;
      const recs = await session.readRecords(from, Math.min(step, n - from));
      for (const r of recs) {
        times[r.index] = r.timestamp ? Date.parse(r.timestamp) : NaN;
        if (r.parseError) {
          this.grow(r.index + 1);
          this.status[r.index] = ST_ERROR;
          this.failures.set(r.index, { reason: 'corrupt', error: r.parseError });
        }
        if (r.agentId && agents.size < 200) agents.add(r.agentId);
        if (r.modelIdentifier && models.size < 200) models.add(r.modelIdentifier);
        if (r.interactionType && types.size < 50) types.add(r.interactionType);
      }
      await new Promise((res) => setImmediate(res));
    }
    this.times = times;
    this.facets = { agents: [...agents].sort(), models: [...models].sort(), types: [...types].sort() };
    this.histogram = this.bucketize();
    this.changed.fire({ reason: 'histogram' });
  }

  bucketize(nb = 48): HistogramBucket[] {
    const t = this.times;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < t.length; i++) {
      const v = t[i] ?? NaN;
      if (!Number.isNaN(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (!Number.isFinite(min)) return [];
    const span = Math.max(1, max - min + 1);
    const counts = new Array<number>(nb).fill(0);
    const fails = new Array<number>(nb).fill(0);
    for (let i = 0; i < t.length; i++) {
      const v = t[i] ?? NaN;
      if (Number.isNaN(v)) continue;
      const b = Math.min(nb - 1, Math.floor(((v - min) / span) * nb));
      counts[b] = (counts[b] ?? 0) + 1;
      if (this.status[i] === ST_ERROR) fails[b] = (fails[b] ?? 0) + 1;
    }
    return counts.map((count, b) => ({
      start: new Date(min + (span * b) / nb).toISOString(),
      end: new Date(min + (span * (b + 1)) / nb).toISOString(),
      count,
      failures: fails[b] ?? 0,
    }));
  }

  /** Census (entries per key version). Automatic for small logs, on request for big ones. */
  runCensus(onProgress?: (done: number, total: number) => void, token?: vscode.CancellationToken): Promise<void> {
    if (this.censusRunning) return this.censusRunning;
    const session = this.session;
    if (!session) return Promise.resolve();
    const ctl = new AbortController();
    this.censusCtl = ctl;
    const sub = token?.onCancellationRequested(() => ctl.abort());
    this.censusRunning = (async () => {
      try {
        const m = await session.census(ctl.signal, onProgress);
        if (!ctl.signal.aborted) {
          this.census = m;
          this.changed.fire({ reason: 'census' });
        }
      } catch {
        /* cancelled or failed: the tree falls back to partial counts */
      } finally {
        sub?.dispose();
        this.censusRunning = undefined;
      }
    })();
    return this.censusRunning;
  }

  timeOf(index: number): number {
    return this.times[index] ?? NaN;
  }

  dispose(): void {
    this.histCtl?.abort();
    this.censusCtl?.abort();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.lru.clear();
    void this.session?.close().catch(() => undefined);
    this.session = undefined;
    this.changed.dispose();
  }
}
