import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Argon2Deriver, Argon2Params } from './argon2';

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism());
}

interface Job {
  id: number;
  password: Buffer;
  salt: Buffer;
  params: Argon2Params;
  resolve(key: Buffer): void;
  reject(err: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  settled?: boolean;
}

interface Slot {
  worker: Worker;
  /** Jobs posted to this worker, by id: up to JOBS_PER_WORKER, so its next one is already waiting when one ends. */
  jobs: Map<number, Job>;
}

/**
 * Jobs a worker holds at once. Two: the next derivation is already in its queue when one ends, so a
 * worker never waits for the main thread to answer (measured: with one, the pool lost up to a fifth of
 * the cores' rate on 10-ms derivations). Cost: a job that is aborted after it was posted still runs.
 */
const JOBS_PER_WORKER = 2;

/**
 * Argon2id in worker threads, one per core: Symbiont logs cost one 0.1-0.6 s derivation per field,
 * which would freeze an extension host or serialise a CLI run if done inline.
 * An aborted job is dropped from the queue at once; one already posted finishes in its worker and its key is wiped.
 */
export class Argon2Pool implements Argon2Deriver {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly workerScript = join(__dirname, 'argon2-worker.js'),
  ) {
    if (size < 1) throw new Error('Argon2Pool size must be at least 1');
  }

  derive(password: Buffer, salt: Buffer, params: Argon2Params, signal?: AbortSignal): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('Argon2 pool is closed'));
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<Buffer>((resolve, reject) => {
      const job: Job = { id: this.nextId++, password: Buffer.from(password), salt, params, resolve, reject, signal };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /**
   * Starts every worker now (each loads the Argon2 module), so the first derivations do not pay for
   * thread start-up: call it when Argon2 work is about to come (a Symbiont log was opened).
   */
  warm(): void {
    if (this.closed) return;
    while (this.spawn());
  }

  /** Jobs waiting for a worker; useful for progress and tests. */
  get pending(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.queue.splice(0), ...this.slots.flatMap((s) => [...s.jobs.values()])]) this.settle(job, new Error('Argon2 pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private abort(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    this.settle(job, abortError());
  }

  private settle(job: Job, result: Buffer | Error): void {
    if (job.settled) {
      if (Buffer.isBuffer(result)) result.fill(0); // a result nobody waits for any more
      return;
    }
    job.settled = true;
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    job.onAbort = undefined;
    job.password.fill(0);
    const { resolve, reject } = job;
    job.resolve = job.reject = () => undefined;
    if (result instanceof Error) reject(result);
    else resolve(result);
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.jobs.size === 0) ?? this.spawn() ?? this.slots.find((s) => s.jobs.size < JOBS_PER_WORKER);
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.jobs.set(job.id, job);
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, password: new Uint8Array(job.password), salt: job.salt, params: job.params });
    }
  }

  private spawn(): Slot | undefined {
    if (this.slots.length >= this.size) return undefined;
    const worker = new Worker(this.workerScript);
    const slot: Slot = { worker, jobs: new Map() };
    worker.on('message', (msg: { id: number; key?: Uint8Array; error?: string }) => {
      const job = slot.jobs.get(msg.id);
      slot.jobs.delete(msg.id);
      if (slot.jobs.size === 0) worker.unref();
      const key = msg.key ? Buffer.from(msg.key.buffer, msg.key.byteOffset, msg.key.byteLength) : null;
      if (job) this.settle(job, key ?? new Error(`Argon2 failed: ${msg.error}`));
      else key?.fill(0);
      this.pump();
    });
    worker.on('error', (err) => {
      this.slots.splice(this.slots.indexOf(slot), 1);
      for (const job of slot.jobs.values()) this.settle(job, err instanceof Error ? err : new Error(String(err)));
      slot.jobs.clear();
      this.pump();
    });
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}

function abortError(): Error {
  const err = new Error('cancelled');
  err.name = 'AbortError';
  return err;
}
