/**
 * A second thread for the AES work of an envelope rewrap with local KEKs: the rewriter hands it part
 * of each batch (the main thread does the rest meanwhile), so both cores unwrap / authenticate /
 * wrap. The thread runs envelope-worker.ts (its own bundle, out/envelope-worker.js, next to the
 * bundle that loads this module; in the per-file test build, next to this file). DEKs never leave
 * the worker; KEK material is copied to it once and wiped when the rewriter is disposed. Each batch
 * and its reply cross as one transferred buffer (kernel-packing.ts).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { kernelRequest, kernelResults, type KernelReply, type WorkerItem, type WorkerResult } from './kernel-packing';

export const ENVELOPE_WORKER_SCRIPT = join(__dirname, 'envelope-worker.js');

export type { WorkerItem, WorkerResult } from './kernel-packing';

export class EnvelopeCryptoWorker {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: WorkerResult[]) => void; reject: (e: Error) => void }>();
  private failed: Error | null = null;

  /** `keks`: the KEK table (32-byte keys); `target`: the index of the target KEK in it. */
  constructor(keks: Buffer[], target: number, script = ENVELOPE_WORKER_SCRIPT) {
    const copies = keks.map((k) => new Uint8Array(k));
    try {
      this.worker = new Worker(script, { workerData: { keks: copies, target } });
    } finally {
      for (const c of copies) c.fill(0); // the worker got its own clone
    }
    this.worker.on('message', (m: KernelReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      p.resolve(kernelResults(m));
    });
    const fail = (err: Error): void => {
      this.failed = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`rewrap worker exited (${code})`)));
  }

  /** Unwraps, authenticates the data, digests and (`wrap`) re-wraps each item; `verify`: unwrap + digest only. */
  run(items: WorkerItem[], mode: { verify: boolean; wrap: boolean }): Promise<WorkerResult[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const req = kernelRequest(id, items, mode);
      this.worker.postMessage(req, [req.buf]); // moved, not cloned
    });
  }

  /** The worker wipes its KEK copies and exits; terminated after a grace period if it does not. */
  dispose(): void {
    if (this.failed) return;
    this.failed = new Error('rewrap worker disposed');
    this.worker.postMessage(null);
    setTimeout(() => void this.worker.terminate(), 2000).unref();
  }
}
