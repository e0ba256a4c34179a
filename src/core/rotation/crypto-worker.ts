/**
 * A second thread for the AES work of an envelope rewrap with local KEKs: the rewriter hands it part
 * of each batch (the main thread does the rest meanwhile), so both cores unwrap / authenticate /
 * wrap. The worker only takes the happy path — strict base64, 60-byte wrapped DEK, 12-byte nonce, a
 * candidate KEK that unwraps, data that authenticates — and reports anything else as `fallback`; the
 * main thread then handles that value with the regular code (same checks, same messages). DEKs never
 * leave the worker; KEK material is copied to it once and dropped when the rewriter is disposed.
 * The worker source is inline (node:crypto only), so no separate bundle entry is needed.
 */
import { Worker } from 'node:worker_threads';

const SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { createCipheriv, createDecipheriv, createHash, randomBytes } = require('node:crypto');
const keks = workerData.keks.map((k) => Buffer.from(k));
const target = workerData.target;
const B64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64[c.charCodeAt(0)] = 1;
function strict(s) {
  if (typeof s !== 'string') return false;
  const n = s.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (n > 0 && s.charCodeAt(n - 1) === 61) end = s.charCodeAt(n - 2) === 61 ? n - 2 : n - 1;
  for (let i = 0; i < end; i++) { const c = s.charCodeAt(i); if (c > 127 || B64[c] === 0) return false; }
  return true;
}
function open(key, nonce, sealed) {
  if (nonce.length !== 12 || sealed.length < 16) return null;
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const body = d.update(sealed.subarray(0, sealed.length - 16));
  try { d.final(); return body; } catch { body.fill(0); return null; }
}
function unwrap(key, w) {
  if (!strict(w)) return null;
  const raw = Buffer.from(w, 'base64');
  if (raw.length !== 60) return null;
  const dek = open(key, raw.subarray(0, 12), raw.subarray(12));
  if (dek && dek.length !== 32) { dek.fill(0); return null; }
  return dek;
}
let pool = Buffer.alloc(0);
let at = 0;
function nonce() {
  if (at + 12 > pool.length) { pool = randomBytes(4096 * 12); at = 0; }
  const n = pool.subarray(at, at + 12);
  at += 12;
  return n;
}
const scratch = Buffer.alloc(60);
function wrap(key, dek) {
  const n = nonce();
  const c = createCipheriv('aes-256-gcm', key, n);
  n.copy(scratch, 0);
  const a = c.update(dek);
  const f = c.final();
  if (a.length + f.length !== 32) throw new Error('length');
  a.copy(scratch, 12);
  f.copy(scratch, 12 + a.length);
  c.getAuthTag().copy(scratch, 44);
  return scratch.toString('base64');
}
function digest(dek, no, ct) {
  return createHash('sha256').update('K').update(dek).update(no).update('|').update(ct).digest();
}
parentPort.on('message', (m) => {
  const n = m.w.length;
  const st = new Uint8Array(n);
  const by = new Int32Array(n).fill(-1);
  const dg = Buffer.alloc(n * 32);
  const wr = new Array(n).fill(null);
  for (let i = 0; i < n; i++) {
    let dek = null;
    try {
      for (const k of m.c[i]) {
        dek = unwrap(keks[k], m.w[i]);
        if (dek) { by[i] = k; break; }
      }
      if (!dek) continue;
      if (m.verify) {
        digest(dek, m.no[i], m.ct[i]).copy(dg, i * 32);
        st[i] = 1;
        continue;
      }
      if (!strict(m.no[i]) || !strict(m.ct[i])) continue;
      const pt = open(dek, Buffer.from(m.no[i], 'base64'), Buffer.from(m.ct[i], 'base64'));
      if (!pt) continue;
      pt.fill(0);
      digest(dek, m.no[i], m.ct[i]).copy(dg, i * 32);
      if (by[i] !== target && m.wrap) wr[i] = wrap(keks[target], dek);
      st[i] = 1;
    } catch {
      st[i] = 0;
    } finally {
      if (dek) dek.fill(0);
    }
  }
  parentPort.postMessage({ id: m.id, st, by, dg, wr }, [st.buffer, by.buffer]);
});
`;

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

export class EnvelopeCryptoWorker {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: WorkerResult[]) => void; reject: (e: Error) => void; n: number }>();
  private failed: Error | null = null;

  /** `keks`: the KEK table (32-byte keys); `target`: the index of the target KEK in it. */
  constructor(keks: Buffer[], target: number) {
    this.worker = new Worker(SOURCE, { eval: true, workerData: { keks: keks.map((k) => new Uint8Array(k)), target } });
    this.worker.on('message', (m: { id: number; st: Uint8Array; by: Int32Array; dg: Uint8Array; wr: Array<string | null> }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      const dg = Buffer.from(m.dg.buffer, m.dg.byteOffset, m.dg.byteLength);
      const out: WorkerResult[] = new Array(p.n);
      for (let i = 0; i < p.n; i++) out[i] = { ok: m.st[i] === 1, by: m.by[i], digest: dg.subarray(i * 32, i * 32 + 32), wrapped: m.wr[i] };
      p.resolve(out);
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
      this.worker.postMessage({
        id,
        verify: mode.verify,
        wrap: mode.wrap,
        c: items.map((x) => x.candidates),
        w: items.map((x) => x.dekWrapped),
        no: items.map((x) => x.nonce),
        ct: items.map((x) => x.ciphertext),
      });
    });
  }

  dispose(): void {
    this.failed ??= new Error('rewrap worker disposed');
    void this.worker.terminate();
  }
}
