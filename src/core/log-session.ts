import { censusLog } from './census';
import { assembleEntry } from './entry-assembly';
import type { IndexProgress, IndexProgressListener } from './formats/line-index';
import { LogFile } from './formats/log-file';
import type { FieldOpener } from './keys/types';
import type { DecryptedEntry, FailureReason, FormatId, LogRecord } from './model';

export interface EntryFailure {
  index: number;
  line: number;
  reason: FailureReason;
  message: string;
}

export interface Survey {
  entries: number;
  byKey: Map<string, number>;
  failures: EntryFailure[];
  firstTime: string | null;
  lastTime: string | null;
}

export { UNKNOWN_KEY } from './census';

export interface SessionOpenOptions {
  /**
   * Resolve once the first chunk is indexed and index the rest in the background (first screen of a
   * 1 GB log as fast as of a small one). entryCount() grows until `indexing` is false; whenIndexed()
   * resolves then. Full passes (survey/census) and live tail wait for the whole index themselves.
   */
  progressive?: boolean;
  /** Read the file as this format instead of detecting it (`--format`, the viewer's "Reopen as"). */
  format?: FormatId;
}

/** An open log: cheap record reads from the line index, decryption on demand through the resolver. */
export class LogSession {
  private constructor(
    readonly path: string,
    private file: LogFile,
    private readonly opener: FieldOpener,
    private readonly onClose: () => void,
    private readonly progressive: boolean,
    private readonly forcedFormat: FormatId | undefined,
  ) {}

  static async open(path: string, opener: FieldOpener, onClose: () => void = () => undefined, opts: SessionOpenOptions = {}): Promise<LogSession> {
    const progressive = opts.progressive ?? false;
    return new LogSession(path, await LogFile.open(path, { progressive, format: opts.format }), opener, onClose, progressive, opts.format);
  }

  /** LogSession.open with `{ progressive: true }`. */
  static openProgressive(path: string, opener: FieldOpener, onClose: () => void = () => undefined): Promise<LogSession> {
    return LogSession.open(path, opener, onClose, { progressive: true });
  }

  /** True while a progressive open is still indexing in the background (entryCount() still growing). */
  get indexing(): boolean {
    return this.file.indexing;
  }
  whenIndexed(): Promise<void> {
    return this.file.whenIndexed();
  }
  indexProgress(): IndexProgress {
    return this.file.indexProgress;
  }
  /** After each indexed chunk of a progressive open and at its end; returns an unsubscribe. */
  onIndexProgress(listener: IndexProgressListener): () => void {
    return this.file.onIndexProgress(listener);
  }

  get format(): FormatId {
    return this.file.format;
  }
  entryCount(): number {
    return this.file.entryCount;
  }
  byteLength(): number {
    return this.file.index.byteLength;
  }

  readRecords(from: number, count: number): Promise<LogRecord[]> {
    return this.file.readRecords(from, count);
  }

  async decryptEntries(from: number, count: number, signal?: AbortSignal): Promise<DecryptedEntry[]> {
    return this.decryptRecords(await this.file.readRecords(from, count), signal);
  }

  /** Decrypts records in one batch, so transit fields share round trips and Argon2 runs share the pool. */
  async decryptRecords(records: LogRecord[], signal?: AbortSignal): Promise<DecryptedEntry[]> {
    const fields = records.flatMap((r) => r.fields);
    const entries = records.flatMap((r) => r.fields.map(() => r.index));
    const results = await this.opener.openFields(fields, signal, entries);
    let at = 0;
    return records.map((r) => assembleEntry(r, results.slice(at, (at += r.fields.length))));
  }

  /** Entries per key label (the key that opens each entry's first field), `unknown` for those none opens. */
  async census(signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<Map<string, number>> {
    return (await this.survey(signal, onProgress)).byKey;
  }

  /**
   * One pass over the whole indexed file (the census at depth `entries`, on this session's own
   * descriptor): entries per key, the entries no key opens (with the reason), and the time range.
   */
  async survey(signal?: AbortSignal, onProgress?: (done: number, total: number) => void, batchSize = 256): Promise<Survey> {
    if (this.file.indexing) await this.file.whenIndexed();
    const total = this.entryCount();
    const { tally } = await censusLog(this.path, this.opener, {
      depth: 'entries',
      format: this.format,
      handle: this.file.descriptor,
      end: this.byteLength(),
      signal,
      batchSize,
      maxFailures: Infinity,
      onProgress: (p) => onProgress?.(p.entriesDone, total),
    });
    // UPDATE lines that merge into no entry come from merging records, which the census does not do:
    // one parse-only pass (no decryption) for a Symbiont log that has UPDATE lines.
    if (this.format === 'symbiont' && this.file.index.updateCount > 0 && this.file.orphanUpdates === null) {
      for await (const record of this.file.iterateRecords(signal)) void record;
    }
    const failures = tally.failures.map((f) => ({ index: f.entry ?? -1, line: f.line, reason: f.reason, message: f.message }));
    return { entries: tally.entries, byKey: tally.counts('entries'), failures, firstTime: tally.firstTime, lastTime: tally.lastTime };
  }

  /** Live tail: indexes what was appended; reopens from scratch when the file shrank or was replaced. */
  async refresh(): Promise<{ appended: number; replaced: boolean }> {
    const before = this.file.entryCount;
    const result = await this.file.extend();
    if (result.status === 'rebuild') {
      const reopened = await LogFile.open(this.path, { progressive: this.progressive, format: this.forcedFormat });
      await this.file.close();
      this.file = reopened;
      return { appended: 0, replaced: true };
    }
    return { appended: this.file.entryCount - before, replaced: false };
  }

  /** UPDATE lines that belong to no entry (Symbiont logs), with the reason; null when none were seen. */
  get orphanUpdates(): { line: number; id: string | null; error: string | null }[] | null {
    return this.file.orphanUpdates;
  }

  async close(): Promise<void> {
    await this.file.close();
    this.onClose();
  }
}
