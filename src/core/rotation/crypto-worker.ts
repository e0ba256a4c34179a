/**
 * A second thread for the AES work of an envelope rewrap with local KEKs: the rewriter hands it part
 * of each batch (the main thread does the rest meanwhile), so both cores unwrap / authenticate /
 * wrap. The thread runs envelope-worker.ts (its own bundle, out/envelope-worker.js, next to the
 * bundle that loads this module; in the per-file test build, next to this file). DEKs never leave
 * the worker; KEK material is copied to it once and wiped when the rewriter is disposed.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KernelReply, KernelRequest } from './envelope-kernel';

export const ENVELOPE_WORKER_SCRIPT = join(__dirname, 'envelope-worker.js');

export interface WorkerItem {
  /** Indices (into the KEK table) to try, in order. */
  candidates: number[];
  dekWrapped: string;
  nonce: string;
  ciphertext: string;
}

export interface WorkerResult {
  /** false: the main thread must handle this value itself. */
  ok: boolean;
  /** KEK table index that unwrapped the DEK. */
  by: number;
  /** sha256('K' | DEK | nonce | '|' | ciphertext). */
  digest: Buffer;
  /** The DEK wrapped by the target KEK (rewrite mode, when `by` is not the target). */
  wrapped: string | null;
}

/** A kernel reply (from the worker or an in-thread kernel) as one result per value. */
export function kernelResults(m: KernelReply, n: number): WorkerResult[] {
  const dg = Buffer.from(m.dg.buffer, m.dg.byteOffset, m.dg.byteLength);
  const out: WorkerResult[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { ok: m.st[i] === 1, by: m.by[i], digest: dg.subarray(i * 32, i * 32 + 32), wrapped: m.wr[i] };
  return out;
}

/** `items` as a kernel request. */
export function kernelRequest(id: number, items: WorkerItem[], mode: { verify: boolean; wrap: boolean }): KernelRequest {
  return {
    id,
    verify: mode.verify,
    wrap: mode.wrap,
    c: items.map((x) => x.candidates),
    w: items.map((x) => x.dekWrapped),
    no: items.map((x) => x.nonce),
    ct: items.map((x) => x.ciphertext),
  };
}

export class EnvelopeCryptoWorker {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: WorkerResult[]) => void; reject: (e: Error) => void; n: number }>();
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
      p.resolve(kernelResults(m, p.n));
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
      this.pending.set(id, { resolve, reject, n: items.length });
      const req = kernelRequest(id, items, mode);
      this.worker.postMessage(req);
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
