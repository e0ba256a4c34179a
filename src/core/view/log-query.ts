/**
 * Queries over a LogView: filters and text search (over what the user can see: the masked
 * rendering, so a hidden value cannot be probed), the failure scan, and the iterator every export
 * uses (the viewer's export and `enclog decrypt`). Streaming, cancellable, pure.
 */
import { maskEntry } from '../entry-json';
import { stringifyJson } from '../json';
import type { LogSession } from '../log-session';
import type { MaskOptions } from '../masking';
import type { DecryptedEntry, LogRecord } from '../model';
import type { LogView } from './log-view';
import type { Filters } from './filters';
import { ViewOrder } from './view-order';
import type { FailureHit } from './types';

export type { FailureHit } from './types';

export { filtersActive, type Filters } from './filters';

/** A filter compiled once: the cheap test on plaintext record fields, and the test that needs the decrypted entry. */
export class CompiledFilter {
  private readonly fromT: number;
  private readonly toT: number;
  readonly needsDecrypt: boolean;

  constructor(
    readonly f: Filters,
    private readonly mask: MaskOptions,
  ) {
    this.fromT = f.from ? Date.parse(f.from) : NaN;
    this.toT = f.to ? Date.parse(f.to) : NaN;
    this.needsDecrypt = !!(f.text || f.status || f.key);
  }

  matchesRecord(r: LogRecord): boolean {
    const f = this.f;
    if (f.agent && !(r.agentId ?? '').toLowerCase().includes(f.agent.toLowerCase())) return false;
    if (f.model && !(r.modelIdentifier ?? '').toLowerCase().includes(f.model.toLowerCase())) return false;
    if (f.type && r.interactionType !== f.type) return false;
    if (!Number.isNaN(this.fromT) || !Number.isNaN(this.toT)) {
      const t = r.timestamp ? Date.parse(r.timestamp) : NaN;
      if (Number.isNaN(t)) return false;
      if (!Number.isNaN(this.fromT) && t < this.fromT) return false;
      if (!Number.isNaN(this.toT) && t > this.toT) return false;
    }
    return true;
  }

  matchesEntry(e: DecryptedEntry): boolean {
    const f = this.f;
    const failed = e.status === 'error' || !!e.record.error;
    if (f.status === 'ok' && failed) return false;
    if (f.status === 'error' && !failed) return false;
    if (f.key && (e.key ?? 'unknown') !== f.key) return false;
    if (f.text) {
      const m = maskEntry(e, this.mask);
      const hay = stringifyJson([m.request, m.response, m.plain.metadata, m.plain.error, m.plain.model]).toLowerCase();
      if (!hay.includes(f.text.toLowerCase())) return false;
    }
    return true;
  }
}

export interface ScanProgress {
  done: number;
  total: number;
  matches: number;
}

/**
 * The entries (ascending) matching `filter`, reading records in batches and decrypting only the
 * candidates when the filter needs it. Stops early when `signal` aborts (returns what matched so far).
 */
export async function scanFilter(view: LogView, filter: CompiledFilter, signal: AbortSignal, onProgress?: (p: ScanProgress, matches: readonly number[]) => void): Promise<number[]> {
  const total = view.entryCount;
  const matches: number[] = [];
  const step = filter.needsDecrypt ? Math.max(view.chunkSize * 4, 16) : 4096;
  for (let from = 0; from < total && !signal.aborted; from += step) {
    const recs = await view.session.readRecords(from, Math.min(step, total - from));
    const cand = recs.filter((r) => filter.matchesRecord(r));
    if (filter.needsDecrypt && cand.length) {
      const got = await view.entries(cand.map((r) => r.index), { signal, records: new Map(cand.map((r) => [r.index, r])) });
      if (signal.aborted) break;
      for (const r of cand) {
        const e = got.get(r.index);
        if (e && filter.matchesEntry(e)) matches.push(r.index);
      }
    } else for (const r of cand) matches.push(r.index);
    onProgress?.({ done: Math.min(total, from + step), total, matches: matches.length }, matches);
  }
  return matches;
}

/** The next (or previous) failed entry in view order from `fromIndex`: a decrypt failure, a corrupt line or the record's own error. */
export async function findFailure(view: LogView, order: ViewOrder, fromIndex: number, direction: 1 | -1, signal: AbortSignal): Promise<FailureHit> {
  const n = order.count;
  let pos = order.posOf(fromIndex);
  if (pos === null) pos = direction > 0 ? -1 : n;
  const step = Math.max(view.chunkSize * 2, 8);
  let searched = 0;
  for (let p = pos + direction; p >= 0 && p < n && !signal.aborted; ) {
    const batch: number[] = [];
    for (let k = 0; k < step && p >= 0 && p < n; k++, p += direction) batch.push(order.indexAt(p));
    const recs = await view.recordsAt(batch);
    const unknown = batch.filter((i) => !view.isKnown(i) && !recs.get(i)?.parseError && !recs.get(i)?.error);
    if (unknown.length) await view.decrypt(unknown, { signal, records: recs });
    for (const i of batch) {
      searched++;
      const r = recs.get(i);
      if (r?.parseError || r?.error || view.isFailure(i)) return { index: i, pos: order.posOf(i), searched };
    }
  }
  return { index: null, pos: null, searched };
}

/** Where an export reads its entries: a viewer's LogView (with its page cache) or a bare session (the CLI). */
export interface EntrySource {
  /** Entries of `indices` (one per existing index), in any order. */
  entries(indices: readonly number[], o: { signal?: AbortSignal }): Promise<Map<number, DecryptedEntry>>;
}

/** A session as an EntrySource (the CLI): each contiguous run of indices decrypts in one batch. */
export function sessionSource(session: LogSession): EntrySource {
  return {
    async entries(indices, o) {
      const out = new Map<number, DecryptedEntry>();
      const sorted = [...indices].sort((a, b) => a - b);
      for (let i = 0; i < sorted.length; ) {
        let j = i;
        while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
        for (const e of await session.decryptEntries(sorted[i]!, j - i + 1, o.signal)) out.set(e.index, e);
        i = j + 1;
      }
      return out;
    },
  };
}

/**
 * Every entry of `order`, in its order, decrypted in batches of `batch`: the export loop of the viewer
 * and of `enclog decrypt`. Stops between batches when `signal` aborts.
 */
export async function* orderedEntries(source: EntrySource, order: ViewOrder, batch: number, signal?: AbortSignal): AsyncGenerator<DecryptedEntry> {
  const total = order.count;
  for (let p = 0; p < total && !signal?.aborted; p += batch) {
    const idx = order.slice(p, batch);
    const got = await source.entries(idx, { signal });
    if (signal?.aborted) return;
    for (const i of idx) {
      const e = got.get(i);
      if (e) yield e;
    }
  }
}
