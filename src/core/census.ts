/**
 * The one census: which key version the entries (and, at depth `values`, every encrypted value) of a
 * log are on, in one streaming pass over the file's complete lines. The viewer's survey and the
 * workspace's per-version counts ask for `entries` (each entry's first value: enough to name its key,
 * half the Argon2 cost of a Symbiont log); rotation's plan and verify ask for `values` (UPDATE lines
 * included, and every value located verbatim, as the rewrite needs it). The policy scan, which
 * decrypts nothing, tallies into the same CensusTally from the values' key ids.
 */
import type { FileHandle } from 'node:fs/promises';
import { completeBatches, rawLines, type RawLine } from './formats/complete-lines';
import { detectFileFormat } from './formats/detect';
import { lineFields, type LineFields } from './formats/line-fields';
import { openRegularForRead } from './formats/regular-file';
import type { FieldOpener, FieldResult } from './keys/types';
import type { EncryptedField, FailureReason, FormatId } from './model';

export const UNKNOWN_KEY = 'unknown';
const DEFAULT_MAX_FAILURES = 1000;

export type CensusDepth = 'entries' | 'values';

export interface KeyCount {
  /** Entries whose first value this key opens (or names). */
  entries: number;
  /** Encrypted values it opens (depth `values` only). */
  values: number;
  /** Bytes of those entries' lines. */
  bytes: number;
}

export interface CensusFailure {
  /** 0-based line. */
  line: number;
  /** 0-based entry index, null for an UPDATE line. */
  entry: number | null;
  reason: FailureReason;
  message: string;
}

/** Counts per key label; failures kept in detail up to a cap, all of them counted. */
export class CensusTally {
  readonly byKey = new Map<string, KeyCount>();
  readonly kdfs = new Map<string, number>();
  readonly failures: CensusFailure[] = [];
  failureCount = 0;
  lines = 0;
  entries = 0;
  values = 0;
  failedValues = 0;
  firstTime: string | null = null;
  lastTime: string | null = null;
  private firstMs = NaN;
  private lastMs = NaN;

  constructor(private readonly maxFailures = DEFAULT_MAX_FAILURES) {}

  private count(label: string): KeyCount {
    let c = this.byKey.get(label);
    if (!c) this.byKey.set(label, (c = { entries: 0, values: 0, bytes: 0 }));
    return c;
  }

  /** An entry on `label` (UNKNOWN_KEY when no key opens or names it). */
  entry(label: string, bytes: number): void {
    this.entries++;
    const c = this.count(label);
    c.entries++;
    c.bytes += bytes;
  }

  value(label: string, kdf?: string): void {
    this.values++;
    this.count(label).values++;
    if (label === UNKNOWN_KEY) this.failedValues++;
    if (kdf !== undefined) this.kdfs.set(kdf, (this.kdfs.get(kdf) ?? 0) + 1);
  }

  fail(f: CensusFailure): void {
    this.failureCount++;
    if (this.failures.length < this.maxFailures) this.failures.push(f);
  }

  time(ts: string | null): void {
    if (ts === null) return;
    const t = Date.parse(ts);
    if (Number.isNaN(t)) return;
    if (Number.isNaN(this.firstMs) || t < this.firstMs) [this.firstMs, this.firstTime] = [t, ts];
    if (Number.isNaN(this.lastMs) || t > this.lastMs) [this.lastMs, this.lastTime] = [t, ts];
  }

  /** Label -> entries (or values). */
  counts(of: 'entries' | 'values' = 'entries'): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, c] of this.byKey) if (c[of] > 0) out.set(k, c[of]);
    return out;
  }
}

export interface CensusOptions {
  depth?: CensusDepth;
  /** Read as this format instead of detecting it. */
  format?: FormatId;
  /** Read this open file instead of opening `path` (an open session's own descriptor), up to `end`. */
  handle?: FileHandle;
  end?: number;
  signal?: AbortSignal;
  /** Lines whose values are opened in one openFields call. */
  batchSize?: number;
  maxFailures?: number;
  onProgress?: (p: { bytesDone: number; bytesTotal: number; entriesDone: number }) => void;
}

export interface LogCensus {
  format: FormatId;
  bytes: number;
  tally: CensusTally;
}

/**
 * One pass over a log. Rejects on I/O errors, an unrecognised format, a non-regular file and abort;
 * everything wrong inside the file is a counted failure, never a skip.
 */
export async function censusLog(path: string, opener: FieldOpener, opts: CensusOptions = {}): Promise<LogCensus> {
  let format = opts.format;
  if (format === undefined) {
    const det = await detectFileFormat(path);
    if (det.format === 'unknown') throw new Error(`unrecognised log format: ${det.reason}`);
    format = det.format;
  }
  const fh = opts.handle ?? (await openRegularForRead(path));
  try {
    const bytes = opts.end ?? (await fh.stat()).size;
    const tally = new CensusTally(opts.maxFailures);
    const pass = new CensusPass(format, opener, tally, opts.depth ?? 'entries', opts.signal);
    for await (const lb of completeBatches(fh, 0, bytes, opts.batchSize ?? 256, { partialLast: opts.handle !== undefined })) {
      const batch = rawLines(lb);
      await pass.tallyLines(batch);
      opts.onProgress?.({ bytesDone: batch[batch.length - 1]!.next, bytesTotal: bytes, entriesDone: tally.entries });
    }
    return { format, bytes, tally };
  } finally {
    if (!opts.handle) await fh.close();
  }
}

/** The per-batch work of censusLog: parse the lines, open the values the depth asks for, tally. */
class CensusPass {
  private lineNo = 0;

  constructor(
    private readonly format: FormatId,
    private readonly opener: FieldOpener,
    private readonly tally: CensusTally,
    private readonly depth: CensusDepth,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async tallyLines(lines: RawLine[]): Promise<void> {
    this.signal?.throwIfAborted();
    const locate = this.depth === 'values';
    const parsed = lines.map((l) => lineFields(l.bytes.toString('utf8'), this.format, locate));
    // Which values to open, and the entry each belongs to (a Symbiont entry's values share a trial budget).
    const fields: EncryptedField[] = [];
    const groups: number[] = [];
    parsed.forEach((lf, i) => {
      const opened = locate ? lf.fields : lf.kind === 'entry' ? lf.fields.slice(0, 1) : [];
      for (const f of opened) {
        fields.push(f.field);
        groups.push(this.lineNo + i);
      }
    });
    const results = fields.length ? await this.opener.openFields(fields, this.signal, groups) : [];
    this.signal?.throwIfAborted();
    let at = 0;
    parsed.forEach((lf, i) => {
      const n = locate ? lf.fields.length : lf.kind === 'entry' ? Math.min(1, lf.fields.length) : 0;
      this.tallyLine(lf, lines[i]!.whole.length, results.slice(at, (at += n)));
    });
  }

  private tallyLine(lf: LineFields, bytes: number, results: FieldResult[]): void {
    const t = this.tally;
    const line = this.lineNo++;
    if (lf.kind === 'blank') return;
    t.lines++;
    const isEntry = lf.kind === 'entry' || lf.kind === 'bad';
    const entry = isEntry ? t.entries : null;
    if (lf.kind === 'bad' || lf.problem) {
      if (isEntry) t.entry(UNKNOWN_KEY, bytes);
      t.fail({ line, entry, reason: 'corrupt', message: lf.problem ?? 'unreadable line' });
      return;
    }
    t.time(lf.timestamp);
    if (isEntry && lf.fields.length === 0) {
      // A transit JSON line may carry no vault value at all: an entry on no key, not a failure.
      if (this.format === 'transit-jsonl') t.entries++;
      else {
        t.entry(UNKNOWN_KEY, bytes);
        t.fail({ line, entry, reason: 'corrupt', message: 'no encrypted value in this entry' });
      }
    }
    results.forEach((r, n) => {
      const f = lf.fields[n]!.field;
      const label = r.ok ? r.key.label : UNKNOWN_KEY;
      if (r.ok) r.plaintext.fill(0);
      else t.fail({ line, entry, reason: r.reason, message: this.depth === 'values' ? `${f.path.join('.')}: ${r.message}` : r.message });
      if (this.depth === 'values') t.value(label, f.kind === 'symbiont' ? f.data.kdf : undefined);
      if (isEntry && n === 0) t.entry(label, bytes);
    });
  }
}
