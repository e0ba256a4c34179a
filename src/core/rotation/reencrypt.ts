/**
 * Re-encrypts / re-wraps log files to a target key version, crash-safely.
 *
 * Per file (FILE is the log's real path; symlinks to it are resolved first):
 *  0. safety: the directory must be one only this user and root can change (see safe-fs.ts: else a
 *     clear refusal, like logrotate's); FILE must be a regular file with one name; the per-log lock
 *     `FILE.rotate-lock` is taken ("rotation in progress (pid N)" otherwise, see rotation-lock.ts).
 *  1. recovery: a journal (`FILE.rotate-journal`) left by a killed run is finished or rolled back;
 *     private files of a killed run (`.FILE.enclog-<random>.*`) are removed.
 *  2. stream: complete lines of FILE are read in batches and written to a new private TMP
 *     (O_CREAT|O_EXCL|O_NOFOLLOW, unguessable name, fstat-checked) with only the encrypted values that
 *     are not on the target replaced; the rest of each line stays byte-identical (values are spliced
 *     into the line's bytes). Every write is checked (short writes continued). The tail is re-read
 *     until no new complete line has arrived. Envelope logs with a local KEK target: whole batches go
 *     to worker threads (batch-work.ts, one per core), this thread reads, writes and keeps the order.
 *  3. fsync TMP and, while the fsync runs, verify: TMP is read back (the bytes the fsync writes) and
 *     every value decrypted with the target key only; line records (line skeleton + value digests,
 *     line-record.ts, folded into one running hash) and line counts must match. Both must succeed.
 *  4. commit: the journal is written (FILE's dev+ino, processed offset, the private names), FILE is
 *     hard-linked to a private OLD name (and OLD checked to be the inode that was read), the tail is
 *     caught up once more, mode and ownership copied with fchmod/fchown on TMP's descriptor; then,
 *     just before the rename: the lock is still ours, TMP is still our inode with one name, FILE is
 *     still the inode that was read (dev+ino). If FILE was renamed away or replaced meanwhile
 *     (logrotate: rename + create), the rotation aborts and removes what it created: both files stay
 *     exactly as the writers left them. Else TMP is renamed over FILE (atomic), directory fsynced.
 *  5. salvage: lines a writer appended to the old inode between the last tail read and the rename
 *     are re-encrypted and appended to the new FILE (O_APPEND|O_NOFOLLOW). Then OLD becomes
 *     `FILE.bak` (or `FILE.bak.<time>` if that exists: never overwritten) or is removed, and the
 *     journal is removed.
 * Every failure before the rename removes what the run created and reports the cause; after the
 * rename the journal and OLD are kept and a rerun finishes (the error says so).
 * Residual window: logrotate's rename + create landing between the last dev+ino check and the
 * rename (two syscalls apart) is detected after the fact (OLD's link count) and reported, not undone:
 * Node has no renameat2(RENAME_EXCHANGE/NOREPLACE) to make check-and-switch one step.
 * Killed anywhere, FILE is the old file or the new one (the rename is the only switch); a rerun
 * finishes or restarts the job. Concurrent appenders: writers that open FILE per write (append mode)
 * lose no line — their lines land in FILE before the rename (caught by the tail re-reads) or in the
 * old inode after it (salvaged, from the journal if the rotation is killed in between; a line may then
 * be salvaged twice, never lost). A writer that keeps one descriptor open for good keeps writing to
 * the old inode: restart it around the rotation.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants, promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { detectFileFormat } from '../formats/detect';
import { openRegularForRead } from '../formats/regular-file';
import { completeBatches, rawLines, textEnd, type LineBatch, type RawLine } from '../formats/complete-lines';
import { RotationLock } from './rotation-lock';
import { assertTrustedDir, createPrivate, fsyncDir, isPrivateName, openNoFollow, privateName, privateNames, readOwnFile, removeIfPresent, sameFile, writeAll, writeAtomically } from './safe-fs';
import type { FormatId } from '../model';
import type { LoadedKey } from '../keys/types';
import { CURRENT_SYMBIONT_KDF } from '../crypto/argon2';
import { lineFields, type LineFields } from '../formats/line-fields';
import type { GcmKernelName } from '../crypto/gcm-kernel';
import { makeRewriter, RotationError, type BatchResult, type BatchRunner, type FieldPlan, type Rewriter, type RotationErrorCode } from './rewriters';
import { lineDigest, spliceLine, valueRanges } from './line-record';
import type { RotationKeys } from './rotation-keys';

export type RotationPhase =
  | 'batch-written'
  | 'tmp-written'
  | 'tmp-synced'
  | 'verified'
  | 'journal-written'
  | 'linked'
  | 'tail-caught-up'
  | 'renamed'
  | 'salvaged'
  | 'done';

export interface RotationProgress {
  path: string;
  fileIndex: number;
  files: number;
  phase: 'rewriting' | 'verifying' | 'committing';
  bytesDone: number;
  bytesTotal: number;
  entriesDone: number;
  fieldsRewritten: number;
  /** Seconds left for this file, estimated from the rate so far; null until known. */
  etaSeconds: number | null;
}

export interface ReencryptOptions {
  /** Key ref of the target source; its primary version is the target. */
  to: string;
  /** kdf label of re-encrypted Symbiont fields; default the current writer's `Argon2id-m65536-t3-p1`. */
  kdf?: string;
  /** Lines per batch (default 256). */
  batchSize?: number;
  /**
   * Worker threads for the line work of an envelope rewrap with a local KEK target: 0 = all on this
   * thread. Default: one per core (at most 4) for a file of 1 MiB or more, none for a smaller one
   * (starting threads costs more than they save there) or on one core.
   */
  threads?: number;
  backup?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RotationProgress) => void;
  /** Called at each step of the commit (tests use it to crash at a given point). */
  onPhase?: (phase: RotationPhase, path: string) => void | Promise<void>;
}

export interface LineFailure {
  line: number;
  message: string;
}

export interface FileReport {
  path: string;
  format: FormatId | null;
  status: 'rotated' | 'unchanged' | 'dry-run' | 'failed' | 'cancelled';
  target: string | null;
  lines: number;
  entries: number;
  fields: number;
  fieldsRewritten: number;
  fieldsOnTarget: number;
  fieldsFailed: number;
  /** Fields rewritten per key label they were on. */
  from: Record<string, number>;
  failures: LineFailure[];
  /** Lines that arrived while the file was being rotated (tail re-reads + salvage). */
  appendedDuringRotation: number;
  bytesIn: number;
  bytesOut: number;
  seconds: number;
  /** The batch AES-GCM kernel that did the envelope KEK work (null: none was used, e.g. Symbiont or transit). */
  kernel: GcmKernelName | null;
  /** Why a worker thread stopped helping (its batches were then done on the calling thread: slower, same checks), if one did. */
  workerFailure: string | null;
  /**
   * Batches (both passes) the worker threads did, and those they handed back to the calling thread
   * because a line needed the regular code (a log full of odd lines rotates slower: this says why);
   * null when no worker threads ran.
   */
  workerBatches: { done: number; handedBack: number } | null;
  backup: string | null;
  /** The log was switched to the re-encrypted file (true even when finishing afterwards failed). */
  committed: boolean;
  /** What recovery did with a previous, interrupted run. */
  recovered: string | null;
  error: string | null;
  /** What kind of error, for callers to branch on (e.g. `rotation-in-progress`: another run holds the log); null for others. */
  errorCode: RotationErrorCode | null;
  /** The error was an I/O or usage problem (missing file, permissions), not a key or entry problem. */
  ioError: boolean;
}

const MAX_FAILURE_DETAILS = 1000;
/** Files from this size get worker threads by default (ReencryptOptions.threads). */
const AUTO_THREADS_FROM_BYTES = 1 << 20;
const MAX_AUTO_THREADS = 4;
const MAX_TAIL_ROUNDS = 50;

/** A line's located values, with their byte ranges in the line (see line-record.ts). */
interface Located {
  lf: LineFields;
  ranges: number[];
}

interface Prepared {
  located: Located[];
  lfs: LineFields[];
  plans: Promise<FieldPlan[][]>;
}

interface Journal {
  oldIno: number;
  oldDev: number;
  end: number;
  backup: boolean;
  /** The private names of this run (recovery only ever touches names of this shape). */
  tmp: string;
  old: string;
  /** The new file's inode (TMP, then FILE after the rename). */
  newIno: number;
  newDev: number;
}

function parseJournal(text: string, log: string, journalPath: string): Journal {
  let j: Partial<Journal>;
  try {
    j = JSON.parse(text) as Partial<Journal>;
  } catch {
    throw new RotationError(`the rotation journal ${journalPath} is not valid JSON: inspect and remove it`);
  }
  const nums = [j.oldIno, j.oldDev, j.end, j.newIno, j.newDev].every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0);
  if (!nums || !isPrivateName(log, j.tmp) || !isPrivateName(log, j.old)) throw new RotationError(`the rotation journal ${journalPath} is not one this program wrote: inspect and remove it`);
  return j as Journal;
}

function isAbort(err: unknown): boolean {
  const e = err as Error;
  return e?.name === 'AbortError' || e?.name === 'CancelledError';
}

function emptyReport(path: string): FileReport {
  return {
    path, format: null, status: 'failed', target: null, lines: 0, entries: 0, fields: 0, fieldsRewritten: 0, fieldsOnTarget: 0,
    fieldsFailed: 0, from: {}, failures: [], appendedDuringRotation: 0, bytesIn: 0, bytesOut: 0, seconds: 0, kernel: null, workerFailure: null, workerBatches: null, backup: null,
    committed: false, recovered: null, error: null, errorCode: null, ioError: false,
  };
}

/** One file's rotation: the state shared by its steps. */
class FileRotation {
  tmpPath: string;
  readonly journalPath: string;
  oldPath: string;
  readonly bakPath: string;
  private readonly started = Date.now();
  private lineNo = 0;

  constructor(
    readonly path: string,
    readonly format: FormatId,
    readonly rewriter: Rewriter,
    readonly opts: ReencryptOptions,
    readonly report: FileReport,
    readonly position: { fileIndex: number; files: number },
  ) {
    this.tmpPath = privateName(path, 'tmp');
    this.journalPath = `${path}.rotate-journal`;
    this.oldPath = privateName(path, 'old');
    this.bakPath = `${path}.bak`;
  }

  private note(failure: LineFailure): void {
    if (this.report.failures.length < MAX_FAILURE_DETAILS) this.report.failures.push(failure);
  }

  /** Rewrites one batch; returns the output bytes and each line's expected digest. */
  async transform(batch: RawLine[], signal: AbortSignal | undefined, dryRun: boolean): Promise<{ out: Buffer[]; digests: Buffer[] }> {
    const prep = this.prepare(batch, signal, dryRun);
    return this.finishBatch(batch, prep, await prep.plans);
  }

  /** Parses a batch and starts its rewrite (no bookkeeping yet: `finishBatch` does it, in batch order). */
  prepare(batch: RawLine[], signal: AbortSignal | undefined, dryRun: boolean): Prepared {
    const located = batch.map((l) => this.locate(l.bytes));
    const lfs = located.map((x) => x.lf);
    const plans = this.rewriter.rewrite(lfs, { dryRun, signal });
    plans.catch(() => undefined); // observed by finishBatch; a batch abandoned after an error must not raise an unhandled rejection
    return { located, lfs, plans };
  }

  /**
   * The output bytes of a prepared batch and its lines' expected record digests: folded into `into`
   * (the main pass's running hash) or, without it, returned one per line. Counts lines, entries and fields.
   */
  finishBatch(batch: RawLine[], prep: Prepared, plans: FieldPlan[][], into?: Hash): { out: Buffer[]; digests: Buffer[] } {
    const { located, lfs } = prep;
    const out: Buffer[] = [];
    const digests: Buffer[] = [];
    batch.forEach((raw, i) => {
      const line = this.lineNo++;
      const lf = lfs[i];
      const r = this.report;
      r.lines++;
      if (lf.kind === 'entry' || lf.kind === 'bad') r.entries++;
      if (lf.kind === 'bad') this.note({ line, message: `not a JSON line: ${lf.problem}` });
      else if (lf.problem) this.note({ line, message: lf.problem });
      const p = plans[i];
      r.fields += p.length;
      for (const f of p) {
        if (f.state === 'on-target') r.fieldsOnTarget++;
        else if (f.state === 'failed') {
          r.fieldsFailed++;
          this.note({ line, message: f.message ?? 'cannot be opened' });
        } else {
          r.fieldsRewritten++;
          if (f.from) r.from[f.from] = (r.from[f.from] ?? 0) + 1;
        }
      }
      const d = lineDigest(raw.bytes, located[i].ranges, p.map((f) => f.digest));
      if (into) into.update(d);
      else digests.push(d);
      const repl = p.map((f) => (f.state === 'rewritten' && f.newText ? f.newText : null));
      out.push(repl.some((x) => x !== null) ? spliceLine(raw.bytes, located[i].ranges, repl, raw.term) : raw.whole);
    });
    return { out, digests };
  }

  /** A line's values, located in its text and in its bytes; a value not found in the bytes exactly once leaves the line as it is. */
  private locate(bytes: Buffer): Located {
    const lf = lineFields(bytes.toString('utf8'), this.format);
    if (!lf.fields.length) return { lf, ranges: [] };
    const ranges = valueRanges(bytes, lf);
    if (ranges) return { lf, ranges };
    return { lf: { ...lf, fields: [], problem: 'a value is not written as valid UTF-8 exactly once in the line; line left as it is' }, ranges: [] };
  }

  /** Lines as the target key alone reads them (the verification side): each line's bytes (no terminator), located values, value digests. */
  async readBack(bufs: Buffer[], signal?: AbortSignal): Promise<{ raws: Buffer[]; located: Located[]; ds: Buffer[][] }> {
    const raws = bufs.map((b) => (b.length > 0 && b[b.length - 1] === 10 ? b.subarray(0, textEnd(b, 0, b.length - 1)) : b));
    const located = raws.map((r) => this.locate(r));
    return { raws, located, ds: await this.rewriter.digests(located.map((x) => x.lf), signal) };
  }

  /** The record digests of lines read back. */
  private static backDigests(back: Awaited<ReturnType<FileRotation['readBack']>>): Buffer[] {
    return back.raws.map((r, i) => lineDigest(r, back.located[i].ranges, back.ds[i]));
  }

  /** Transforms and checks a batch in memory (tail and salvage lines): throws if a line does not read back. */
  async transformVerified(batch: RawLine[]): Promise<Buffer[]> {
    const { out, digests } = await this.transform(batch, undefined, false);
    const back = FileRotation.backDigests(await this.readBack(out));
    back.forEach((d, i) => {
      if (!d.equals(digests[i])) throw new RotationError(`line ${this.lineNo - batch.length + i + 1} did not read back identically after re-encryption`);
    });
    return out;
  }

  progress(phase: RotationProgress['phase'], bytesDone: number, bytesTotal: number): void {
    if (!this.opts.onProgress) return;
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = bytesDone / Math.max(elapsed, 1e-3);
    // Rewriting is followed by a verification pass of similar cost.
    const left = phase === 'rewriting' ? (bytesTotal - bytesDone) / rate + bytesTotal / rate / 2 : (bytesTotal - bytesDone) / Math.max(rate, 1);
    this.opts.onProgress({
      path: this.path,
      ...this.position,
      phase,
      bytesDone,
      bytesTotal,
      entriesDone: this.report.entries,
      fieldsRewritten: this.report.fieldsRewritten,
      etaSeconds: bytesDone > 0 ? Math.max(0, left) : null,
    });
  }

  /** Streams complete lines of `src` from `from`, verified in memory, into `sink` (the last tail catch-up); returns the new offset. */
  async pumpVerified(src: FileHandle, from: number, sink: (bufs: Buffer[]) => Promise<void>): Promise<number> {
    const size = (await src.stat()).size;
    const batchSize = Math.max(1, this.opts.batchSize ?? 256);
    let at = from;
    for await (const lb of completeBatches(src, from, size, batchSize)) {
      await sink(await this.transformVerified(rawLines(lb)));
      at = lb.next;
    }
    return at;
  }

  // The running hash of the main pass: every line's expected record (hashLine), in order.
  readonly expected = createHash('sha256');


  private countBatch(done: boolean): void {
    const w = (this.report.workerBatches ??= { done: 0, handedBack: 0 });
    if (done) w.done++;
    else w.handedBack++;
  }

  /** Counts a batch a worker did; its line records go into `into`. */
  private account(r: BatchResult, into: Hash): void {
    const rep = this.report;
    this.lineNo += r.lines;
    rep.lines += r.lines;
    rep.entries += r.entries;
    rep.fields += r.fields;
    rep.fieldsOnTarget += r.onTarget;
    rep.fieldsRewritten += r.rewritten;
    for (const [label, n] of Object.entries(r.from)) rep.from[label] = (rep.from[label] ?? 0) + n;
    into.update(r.digests);
  }

  /** The worker threads that take whole batches, or null (then batches run here, one at a time, or two when the rewriter allows). */
  private async runner(size: number): Promise<BatchRunner | null> {
    const asked = this.opts.threads;
    const threads = asked ?? (size >= AUTO_THREADS_FROM_BYTES ? Math.min(availableParallelism(), MAX_AUTO_THREADS) : 0);
    if (threads < 1 || (asked === undefined && threads < 2)) return null;
    return (await this.rewriter.batchRunner?.(threads)) ?? null;
  }

  /** Batches in flight at once: two per worker thread; without workers 2 when the rewriter allows overlap, else 1. */
  private depth(runner: BatchRunner | null): number {
    return runner ? 2 * runner.width : this.rewriter.concurrent ? 2 : 1;
  }

  /**
   * The main pass, repeated over the tail until no new complete line arrived. Batches go to the
   * worker threads when there are (a batch they hand back runs here, in its turn); output, records,
   * counts, progress and the 'batch-written' phase happen strictly in batch order.
   */
  async streamAll(src: FileHandle, sink: ((bufs: Buffer[]) => Promise<void>) | null, signal: AbortSignal | undefined, dryRun: boolean): Promise<number> {
    let at = 0;
    const batchSize = Math.max(1, this.opts.batchSize ?? 256);
    const runner = await this.runner((await src.stat()).size);
    const depth = this.depth(runner);
    for (let round = 0; round < MAX_TAIL_ROUNDS; round++) {
      const size = (await src.stat()).size;
      const before = at;
      const linesBefore = this.lineNo;
      // A batch on a worker has no line objects: they are made only if it comes back.
      const inflight: Array<{ lb: LineBatch; batch: RawLine[] | null; prep: Prepared | null; remote: Promise<BatchResult | null> | null }> = [];
      let writing: Promise<void> = Promise.resolve();
      const complete = async (): Promise<void> => {
        const { lb, batch, prep, remote } = inflight.shift() as (typeof inflight)[number];
        const r = remote ? await remote : null;
        if (remote) this.countBatch(r !== null);
        let out: Buffer[];
        if (r) {
          this.account(r, this.expected);
          out = r.out ? [r.out] : [];
        } else {
          const b = batch ?? rawLines(lb);
          const p = prep ?? this.prepare(b, signal, dryRun);
          out = this.finishBatch(b, p, await p.plans, this.expected).out;
        }
        // The write runs while the next batches are dispatched; at most one write waits behind it (order kept).
        const prev = writing;
        writing = (async () => {
          await prev;
          if (sink) await sink(out);
          at = lb.next;
          this.progress('rewriting', at, size);
          await this.opts.onPhase?.('batch-written', this.path);
        })();
        writing.catch(() => undefined); // observed below, or by the next batch's write
        await prev;
      };
      for await (const lb of completeBatches(src, at, size, batchSize)) {
        signal?.throwIfAborted();
        if (runner) inflight.push({ lb, batch: null, prep: null, remote: runner.run(lb.bytes, { verify: false, dryRun }) });
        else {
          const batch = rawLines(lb);
          inflight.push({ lb, batch, prep: this.prepare(batch, signal, dryRun), remote: null });
        }
        while (inflight.length >= depth) await complete();
      }
      while (inflight.length) await complete();
      await writing;
      if (round > 0) this.report.appendedDuringRotation += this.lineNo - linesBefore;
      if (at === before || dryRun) break;
    }
    return at;
  }

  /** Reads FILE.tmp back and compares its digest and line count with the main pass. */
  async verifyTmp(tmpId: Stats, signal?: AbortSignal): Promise<void> {
    const fh = await openNoFollow(this.tmpPath, constants.O_RDONLY);
    try {
      const st = await fh.stat();
      if (!sameFile(st, tmpId)) throw new RotationError(`${this.tmpPath} was replaced during the rotation`);
      const size = st.size;
      const got = createHash('sha256');
      let lines = 0;
      const batchSize = Math.max(1, this.opts.batchSize ?? 256);
      const runner = await this.runner(size);
      const depth = this.depth(runner);
      type Back = Awaited<ReturnType<FileRotation['readBack']>>;
      const inflight: Array<{ lb: LineBatch; ds: Promise<Back> | null; remote: Promise<BatchResult | null> | null }> = [];
      const complete = async (): Promise<void> => {
        const p = inflight.shift() as (typeof inflight)[number];
        const r = p.remote ? await p.remote : null;
        if (p.remote) this.countBatch(r !== null);
        if (r) got.update(r.digests);
        else {
          const back = await (p.ds ?? this.readBack(rawLines(p.lb).map((l) => l.whole), signal));
          for (const d of FileRotation.backDigests(back)) got.update(d);
        }
        lines += p.lb.count;
        this.progress('verifying', p.lb.next, size);
      };
      for await (const lb of completeBatches(fh, 0, size, batchSize)) {
        signal?.throwIfAborted();
        if (runner) inflight.push({ lb, ds: null, remote: runner.run(lb.bytes, { verify: true, dryRun: true }) });
        else {
          const ds = this.readBack(rawLines(lb).map((l) => l.whole), signal);
          ds.catch(() => undefined); // observed by complete (see prepare)
          inflight.push({ lb, ds, remote: null });
        }
        while (inflight.length >= depth) await complete();
      }
      while (inflight.length) await complete();
      if (lines !== this.lineNo) throw new RotationError(`verification failed: ${this.tmpPath} has ${lines} lines, expected ${this.lineNo}`);
      if (!got.digest().equals(this.expected.copy().digest())) throw new RotationError(`verification failed: ${this.tmpPath} does not decrypt to the same content with the target key`);
    } finally {
      await fh.close();
    }
  }

  /** Appends what a writer added to the old inode after `from` (complete lines re-encrypted, a partial line as is). */
  async salvage(oldFh: FileHandle, from: number): Promise<number> {
    // Let an in-flight write finish: wait until the size is stable and ends a line (bounded).
    let size = (await oldFh.stat()).size;
    for (let i = 0; i < 20 && size > from; i++) {
      const last = Buffer.alloc(1);
      await oldFh.read(last, 0, 1, size - 1);
      await new Promise((r) => setTimeout(r, 25));
      const again = (await oldFh.stat()).size;
      if (again === size && last[0] === 10) break;
      size = again;
    }
    if (size <= from) return from;
    const j = this.journal as Journal;
    const appendFh = await openNoFollow(this.path, constants.O_WRONLY | constants.O_APPEND);
    let at = from;
    try {
      const cur = await appendFh.stat();
      if (!cur.isFile()) throw new RotationError(`${this.path} is no longer a regular file`);
      if (!sameFile(cur, { dev: j.newDev, ino: j.newIno })) {
        this.note({ line: -1, message: `${this.path} was replaced after the switch (rotated again?): ${size - from} late byte(s) of the old file appended to the file now there` });
      }
      for await (const lb of completeBatches(oldFh, from, size, 256)) {
        const out = await this.transformVerified(rawLines(lb));
        await writeAll(appendFh, Buffer.concat(out), this.path);
        await appendFh.sync();
        this.report.appendedDuringRotation += lb.count;
        at = lb.next;
        await this.writeJournal({ ...j, end: at });
      }
      if (size > at) {
        const rest = Buffer.alloc(size - at);
        await oldFh.read(rest, 0, rest.length, at);
        await writeAll(appendFh, rest, this.path);
        await appendFh.sync();
        at = size;
        await this.writeJournal({ ...j, end: at });
      }
    } finally {
      await appendFh.close();
    }
    return at;
  }

  journal: Journal | null = null;

  /** Paths this run created: what a failure before the switch removes. */
  readonly made = new Set<string>();

  async writeJournal(j: Journal): Promise<void> {
    this.journal = j;
    this.made.add(this.journalPath);
    await writeAtomically(this.journalPath, JSON.stringify(j), this.path);
  }

  /** OLD becomes the backup (`FILE.bak`, or `FILE.bak.<time>`: an existing backup is never overwritten) or is removed. */
  async finish(backup: boolean): Promise<void> {
    if (backup) {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      for (const name of [this.bakPath, `${this.bakPath}.${stamp}`, `${this.bakPath}.${stamp}-${process.pid}`]) {
        try {
          await fsp.link(this.oldPath, name); // link never overwrites and never follows a symlink
          this.report.backup = name;
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
      if (!this.report.backup) throw new RotationError(`cannot name the backup: ${this.bakPath} and its dated variants exist`);
    }
    await fsp.rm(this.oldPath, { force: true });
    await fsp.rm(this.journalPath, { force: true });
    await fsyncDir(dirname(this.path));
  }

  /** Removes what this run created (TMP, OLD, the journal): only before the switch. */
  async rollback(paths: Iterable<string> = this.made): Promise<void> {
    for (const p of paths) await removeIfPresent(p);
  }

  /** Finishes or rolls back a previous run that was killed (called under the lock); returns what it did, or null. */
  async recover(): Promise<string | null> {
    let text: string | null = null;
    try {
      text = await readOwnFile(this.journalPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new RotationError(`cannot use the rotation journal ${this.journalPath}: ${(err as Error).message}`);
    }
    const leftovers = await privateNames(this.path);
    if (text === null) {
      // No journal: the log was never switched; whatever a killed run left is partial output.
      for (const p of leftovers) await fsp.rm(p, { force: true });
      return leftovers.some((p) => p.endsWith('.tmp')) ? 'removed the partial output of an interrupted run (the log was never replaced)' : null;
    }
    const journal = parseJournal(text, this.path, this.journalPath);
    const mine = new Set([journal.tmp, journal.old]);
    for (const p of leftovers) if (!mine.has(p)) await fsp.rm(p, { force: true });
    const old = await fsp.lstat(journal.old).catch(() => null);
    const cur = await fsp.lstat(this.path).catch(() => null);
    this.tmpPath = journal.tmp;
    this.oldPath = journal.old;
    const oldId = { dev: journal.oldDev, ino: journal.oldIno };
    if (!old || !sameFile(old, oldId) || sameFile(cur, oldId)) {
      await this.rollback([journal.tmp, journal.old, this.journalPath]);
      await fsyncDir(dirname(this.path));
      return 'rolled back an interrupted run that had not replaced the log yet';
    }
    if (!cur) throw new RotationError(`${this.path} is missing while ${journal.old} and a journal exist: restore it from ${journal.old}`);
    this.journal = journal;
    const fh = await openNoFollow(journal.old, constants.O_RDONLY);
    let salvaged = 0;
    try {
      const before = this.report.appendedDuringRotation;
      await this.salvage(fh, journal.end);
      salvaged = this.report.appendedDuringRotation - before;
    } finally {
      await fh.close();
    }
    await removeIfPresent(journal.tmp);
    await this.finish(journal.backup);
    this.report.appendedDuringRotation = 0;
    this.lineNo = 0;
    this.tmpPath = privateName(this.path, 'tmp');
    this.oldPath = privateName(this.path, 'old');
    return `finished an interrupted run that had already replaced the log (${salvaged} late line(s) salvaged)`;
  }

  elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }
}

/** The commit (step 4-5 of the module comment); `committed` is set the moment FILE is switched. */
async function commit(rot: FileRotation, lock: RotationLock, src: FileHandle, out: FileHandle, st: Stats, end: number, sink: (bufs: Buffer[]) => Promise<void>, opts: ReencryptOptions): Promise<void> {
  const { path, report } = rot;
  const replaced = (what: string) =>
    new RotationError(`${path} ${what} during the rotation (logrotate?); nothing was changed: both files are as the writers left them. Rerun on ${path} (and on the rotated file if it still needs it)`);
  const tmpSt = await out.stat();
  await rot.writeJournal({ oldIno: st.ino, oldDev: st.dev, end, backup: !!opts.backup, tmp: rot.tmpPath, old: rot.oldPath, newIno: tmpSt.ino, newDev: tmpSt.dev });
  await opts.onPhase?.('journal-written', path);
  if (!sameFile(await fsp.lstat(path).catch(() => null), st)) throw replaced('was renamed away or replaced');
  rot.made.add(rot.oldPath);
  await fsp.link(path, rot.oldPath); // a snapshot of the inode at FILE now: checked to be the one read
  if (!sameFile(await fsp.lstat(rot.oldPath), st)) throw replaced('was replaced');
  await fsyncDir(dirname(path));
  await opts.onPhase?.('linked', path);
  if ((await src.stat()).size < end) throw replaced('was truncated (copytruncate?)');
  const linesBefore = report.lines;
  end = await rot.pumpVerified(src, end, sink);
  report.appendedDuringRotation += report.lines - linesBefore;
  await rot.writeJournal({ ...(rot.journal as Journal), end });
  await opts.onPhase?.('tail-caught-up', path);
  await out.chmod(st.mode & 0o7777);
  await out.chown(st.uid, st.gid).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPERM') throw err;
    report.failures.push({ line: -1, message: `could not keep owner ${st.uid}:${st.gid} (EPERM); the new file belongs to this user` });
  });
  await out.sync();
  // Last checks before the switch: still our lock, TMP still our file with one name, FILE still the inode read.
  await lock.assertHeld();
  const outSt = await out.stat();
  if (outSt.nlink !== 1) throw new RotationError(`${rot.tmpPath} got another name (${outSt.nlink} links) during the rotation; nothing was changed`);
  if (!sameFile(await fsp.lstat(rot.tmpPath).catch(() => null), outSt)) throw new RotationError(`${rot.tmpPath} was replaced during the rotation; nothing was changed`);
  if (!sameFile(await fsp.lstat(path).catch(() => null), st)) throw replaced('was renamed away or replaced');
  if ((await src.stat()).size < end) throw replaced('was truncated (copytruncate?)');
  await fsp.rename(rot.tmpPath, path);
  report.committed = true;
  await fsyncDir(dirname(path));
  await opts.onPhase?.('renamed', path);
  const oldLinks = (await src.stat()).nlink;
  if (oldLinks !== 1) {
    report.failures.push({ line: -1, message: `the old file still has ${oldLinks - 1} other name(s): it was renamed or linked at the instant of the switch (logrotate?); check that no line written there is missing` });
  }
  await rot.salvage(src, end);
  await opts.onPhase?.('salvaged', path);
  await rot.finish(!!opts.backup);
}

/** Re-encrypts one file (see the module comment); never throws for per-file problems. */
export async function reencryptFile(path: string, keys: RotationKeys, target: LoadedKey, opts: ReencryptOptions, position = { fileIndex: 0, files: 1 }): Promise<FileReport> {
  const report = emptyReport(path);
  report.target = target.info.label;
  const t0 = Date.now();
  let rot: FileRotation | null = null;
  let out: FileHandle | null = null;
  let src: FileHandle | null = null;
  let lock: RotationLock | null = null;
  try {
    const det = await detectFileFormat(path); // refuses FIFOs, devices, directories, sockets
    if (det.format === 'unknown') throw new RotationError(`unrecognised log format: ${det.reason}`);
    report.format = det.format;
    const real = await fsp.realpath(path);
    const rewriter = makeRewriter(det.format, keys, target, { kdf: opts.kdf ?? CURRENT_SYMBIONT_KDF });
    report.kernel = rewriter.kernel ?? null;
    rot = new FileRotation(real, det.format, rewriter, opts, report, position);
    try {
      if (!opts.dryRun) {
        await assertTrustedDir(real, await fsp.stat(real));
        lock = await RotationLock.acquire(real);
        report.recovered = await rot.recover();
      }
      src = await openRegularForRead(real);
      const st = await src.stat();
      report.bytesIn = st.size;
      if (opts.dryRun) {
        await rot.streamAll(src, null, opts.signal, true);
        report.status = 'dry-run';
        return report;
      }
      if (st.nlink !== 1) throw new RotationError(`${real} has ${st.nlink} hard links: a rotation would leave the other names on the old file; remove the extra links first`);
      rot.made.add(rot.tmpPath);
      out = await createPrivate(rot.tmpPath);
      const o = out;
      const tmpId = await o.stat();
      const sink = async (bufs: Buffer[]): Promise<void> => {
        const b = bufs.length === 1 ? bufs[0] : Buffer.concat(bufs);
        await writeAll(o, b, rot?.tmpPath ?? '');
        report.bytesOut += b.length;
      };
      const end = await rot.streamAll(src, sink, opts.signal, false);
      if (report.fieldsRewritten === 0) {
        await rot.rollback();
        report.status = 'unchanged';
        return report;
      }
      await opts.onPhase?.('tmp-written', real);
      // The fsync runs in the thread pool while the read-back reads the same bytes (the page cache): the
      // commit waits for both, and `out` is not closed while the fsync may still use it.
      const [synced, verified] = await Promise.allSettled([out.sync(), rot.verifyTmp(tmpId, opts.signal)]);
      if (verified.status === 'rejected') throw verified.reason;
      if (synced.status === 'rejected') throw synced.reason;
      await opts.onPhase?.('tmp-synced', real);
      await opts.onPhase?.('verified', real);
      opts.signal?.throwIfAborted();
      // From here on cancellation is ignored; a crash is recovered by the journal.
      await commit(rot, lock as RotationLock, src, out, st, end, sink, opts);
      report.bytesOut = (await fsp.lstat(real)).size;
      report.status = 'rotated';
      await opts.onPhase?.('done', real);
      return report;
    } finally {
      report.workerFailure = rewriter.workerFailure ?? null;
      rewriter.dispose();
    }
  } catch (err) {
    if (out) await out.close().catch(() => undefined);
    out = null;
    if (rot && !report.committed) await rot.rollback().catch(() => undefined);
    report.status = isAbort(err) && !report.committed ? 'cancelled' : 'failed';
    const message = isAbort(err) ? 'cancelled' : (err as Error).message;
    report.error = report.committed
      ? `the log was switched to the re-encrypted file, but finishing failed: ${message}; rerun the same command to finish (journal ${rot?.journalPath})`
      : message;
    report.errorCode = err instanceof RotationError ? (err.code ?? null) : null;
    const code = (err as NodeJS.ErrnoException).code;
    report.ioError = typeof code === 'string' && /^E[A-Z]+$/.test(code);
    return report;
  } finally {
    if (out) await out.close().catch(() => undefined);
    if (src) await src.close().catch(() => undefined);
    if (lock) await lock.release().catch(() => undefined);
    report.seconds = (Date.now() - t0) / 1000;
  }
}

/** Re-encrypts every file to the primary of `opts.to`; per-file failures are reported, others continue. */
export async function reencryptFiles(paths: string[], keys: RotationKeys, opts: ReencryptOptions): Promise<FileReport[]> {
  const target = await keys.primary(opts.to);
  const reports: FileReport[] = [];
  for (const [i, path] of paths.entries()) {
    if (opts.signal?.aborted) {
      reports.push({ ...emptyReport(path), status: 'cancelled', error: 'cancelled before this file was started' });
      continue;
    }
    const r = await reencryptFile(path, keys, target, opts, { fileIndex: i, files: paths.length });
    reports.push(r);
    keys.audit({
      action: 'rotation',
      source: target.info.sourceRef,
      version: target.info.version,
      detail: `${opts.dryRun ? 'dry-run ' : ''}reencrypt ${path}: ${r.status}, ${r.fieldsRewritten} field(s) ${opts.dryRun ? 'would be ' : ''}rewritten from ${JSON.stringify(r.from)}, ${r.fieldsOnTarget} already on target, ${r.fieldsFailed} failed, ${r.lines} lines${r.appendedDuringRotation ? `, ${r.appendedDuringRotation} appended during rotation` : ''}${r.recovered ? `; ${r.recovered}` : ''}${r.error ? `; error: ${r.error}` : ''}`,
    });
  }
  return reports;
}
