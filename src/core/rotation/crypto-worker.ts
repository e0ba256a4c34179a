/**
 * The rewrap worker threads of an envelope rotation with local KEKs: whole batches of lines go to
 * them (batch-work.ts: parse, unwrap, authenticate, digest, wrap, splice, line records), so every
 * core does line work while the main thread reads, writes and keeps the order. Each thread runs
 * envelope-worker.ts (its own bundle, out/envelope-worker.js, next to the bundle that loads this
 * module; in the per-file test build, next to this file). DEKs never leave a worker; KEK material is
 * copied to each once and wiped when the rewriter is disposed. A batch and its reply cross as
 * transferred buffers.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BatchReply, BatchSpec } from './batch-work';

export const ENVELOPE_WORKER_SCRIPT = join(__dirname, 'envelope-worker.js');

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve: (r: BatchReply) => void; reject: (e: Error) => void }>;
  failed: Error | null;
}

export class RewrapWorkers {
  private readonly threads: Thread[] = [];
  private seq = 0;
  private turn = 0;
  private disposed = false;

  /** `keks`: the KEK table (32-byte keys, not modified); `count` threads. */
  constructor(keks: Buffer[], spec: BatchSpec, count: number, script = ENVELOPE_WORKER_SCRIPT) {
    for (let n = 0; n < count; n++) {
      const copies = keks.map((k) => new Uint8Array(k));
      let worker: Worker;
      try {
        worker = new Worker(script, { workerData: { keks: copies, spec } });
      } catch (err) {
        this.dispose();
        throw err;
      } finally {
        for (const c of copies) c.fill(0); // the worker got its own clone
      }
      const t: Thread = { worker, pending: new Map(), failed: null };
      worker.on('message', (m: BatchReply) => {
        const p = t.pending.get(m.id);
        if (!p) return;
        t.pending.delete(m.id);
        p.resolve(m);
      });
      const fail = (err: Error): void => {
        t.failed ??= err;
        for (const p of t.pending.values()) p.reject(err);
        t.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`rewrap worker exited (${code})`)));
      this.threads.push(t);
    }
  }

  /** How many threads there are. */
  get width(): number {
    return this.threads.length;
  }

  /** Runs one batch (complete lines with their terminators; copied, `lines` is not modified) on the least busy live thread. */
  run(lines: Buffer, mode: { verify: boolean; dryRun: boolean }): Promise<BatchReply> {
    const live = this.threads.filter((t) => !t.failed);
    if (!live.length) return Promise.reject(this.threads[0]?.failed ?? new Error('no rewrap worker'));
    // the least busy thread; among equals, the one after the last chosen (a tie must not always pick the first)
    const from = this.turn++ % live.length;
    let t = live[from];
    for (let k = 1; k < live.length; k++) {
      const c = live[(from + k) % live.length];
      if (c.pending.size < t.pending.size) t = c;
    }
    const id = this.seq++;
    const copy = Buffer.allocUnsafeSlow(lines.length); // its own ArrayBuffer (transferable), not zeroed: every byte is set here
    lines.copy(copy);
    return new Promise((resolve, reject) => {
      t.pending.set(id, { resolve, reject });
      t.worker.postMessage({ id, verify: mode.verify, dryRun: mode.dryRun, buf: copy.buffer }, [copy.buffer]);
    });
  }

  /** The workers wipe their KEK copies and exit; terminated after a grace period if they do not. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.threads) {
      t.failed ??= new Error('rewrap worker disposed');
      t.worker.postMessage(null);
      setTimeout(() => void t.worker.terminate(), 2000).unref();
    }
  }
}
