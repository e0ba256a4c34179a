/**
 * The request and reply of the envelope kernel (envelope-kernel.ts), each ONE ArrayBuffer per batch:
 * no object per value. Callers: batch-work.ts on the worker threads, the rewriter's in-thread path.
 * The texts stay as the UTF-8 bytes the kernel decodes and digests.
 *
 * Request buffer, n values, C candidate indices in all:
 *   Uint32 at[3n + 1]  value i: dek_wrapped = bytes[at[3i], at[3i+1]), nonce = [at[3i+1], at[3i+2]),
 *                      ciphertext = [at[3i+2], at[3i+3])
 *   Uint32 cAt[n + 1]  value i's candidates = cand[cAt[i], cAt[i+1])
 *   Int32  cand[C]     indices into the KEK table, tried in order
 *   bytes              the texts
 * Reply buffer: Int32 by[n] (KEK index that unwrapped, -1: none), dg[32 n] (`dekDigest`),
 * wr[W n] (the wrapped DEK: nonce || sealed), st[n] (0: the main thread handles the value;
 * 1: done; 2: done and re-wrapped, wr holds it).
 */
import { WRAPPED_DEK_BYTES } from '../crypto/envelope-cipher';

const W = WRAPPED_DEK_BYTES;

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

export interface KernelRequest {
  id: number;
  /** Unwrap + digest only (the read-back of the rewritten file). */
  verify: boolean;
  /** Wrap with the target KEK (false in a dry run). */
  wrap: boolean;
  n: number;
  /** Candidate indices in all. */
  nc: number;
  buf: ArrayBuffer;
}

export interface KernelReply {
  id: number;
  n: number;
  buf: ArrayBuffer;
}

/** Views of a request's buffer. */
export interface RequestViews {
  cAt: Uint32Array;
  cand: Int32Array;
  bytes: Buffer;
  /** Text j (0 dek_wrapped, 1 nonce, 2 ciphertext) of value i is bytes[text[6i + 2j], text[6i + 2j + 1]). */
  text: Uint32Array;
}

/** Views of a reply's buffer. */
export interface ReplyViews {
  by: Int32Array;
  dg: Uint8Array;
  wr: Buffer;
  st: Uint8Array;
}

const isText = (s: unknown): s is string => typeof s === 'string';

/** `items` as one request buffer; an item with a member that is no string gets no candidates (the main thread handles it). */
export function kernelRequest(id: number, items: WorkerItem[], mode: { verify: boolean; wrap: boolean }): KernelRequest {
  const n = items.length;
  let nc = 0;
  let size = 0;
  const usable = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = items[i];
    if (!isText(x.dekWrapped) || !isText(x.nonce) || !isText(x.ciphertext) || !Array.isArray(x.candidates)) continue;
    usable[i] = 1;
    nc += x.candidates.length;
    size += Buffer.byteLength(x.dekWrapped, 'utf8') + Buffer.byteLength(x.nonce, 'utf8') + Buffer.byteLength(x.ciphertext, 'utf8');
  }
  const head = (3 * n + 1 + n + 1 + nc) * 4;
  const buf = new ArrayBuffer(head + size);
  const at = new Uint32Array(buf, 0, 3 * n + 1);
  const cAt = new Uint32Array(buf, (3 * n + 1) * 4, n + 1);
  const cand = new Int32Array(buf, (4 * n + 2) * 4, nc);
  const bytes = Buffer.from(buf, head, size);
  let b = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = items[i];
    at[3 * i] = b;
    cAt[i] = c;
    if (usable[i]) {
      b += bytes.write(x.dekWrapped, b, 'utf8');
      at[3 * i + 1] = b;
      b += bytes.write(x.nonce, b, 'utf8');
      at[3 * i + 2] = b;
      b += bytes.write(x.ciphertext, b, 'utf8');
      for (const k of x.candidates) cand[c++] = Number.isInteger(k) ? k : -1;
    } else {
      at[3 * i + 1] = b;
      at[3 * i + 2] = b;
    }
  }
  at[3 * n] = b;
  cAt[n] = c;
  return { id, verify: mode.verify, wrap: mode.wrap, n, nc, buf };
}

export function requestViews(m: KernelRequest): RequestViews {
  const { n, nc, buf } = m;
  const head = (3 * n + 1 + n + 1 + nc) * 4;
  const at = new Uint32Array(buf, 0, 3 * n + 1);
  const text = new Uint32Array(6 * n); // the packed texts are contiguous: text j of value i ends where text j + 1 starts
  for (let i = 0; i < n; i++) for (let j = 0; j < 3; j++) [text[6 * i + 2 * j], text[6 * i + 2 * j + 1]] = [at[3 * i + j], at[3 * i + j + 1]];
  return { cAt: new Uint32Array(buf, (3 * n + 1) * 4, n + 1), cand: new Int32Array(buf, (4 * n + 2) * 4, nc), bytes: Buffer.from(buf, head, buf.byteLength - head), text };
}

/** A zeroed reply for `n` values (by = -1). */
export function newReply(id: number, n: number): KernelReply {
  const buf = new ArrayBuffer(n * (4 + 32 + W + 1));
  new Int32Array(buf, 0, n).fill(-1);
  return { id, n, buf };
}

export function replyViews(r: KernelReply): ReplyViews {
  const { n, buf } = r;
  return {
    by: new Int32Array(buf, 0, n),
    dg: new Uint8Array(buf, 4 * n, 32 * n),
    wr: Buffer.from(buf, 36 * n, W * n),
    st: new Uint8Array(buf, (36 + W) * n, n),
  };
}

/** A kernel reply (from the worker or an in-thread kernel) as one result per value. */
export function kernelResults(r: KernelReply): WorkerResult[] {
  const { by, dg, wr, st } = replyViews(r);
  const d = Buffer.from(dg.buffer, dg.byteOffset, dg.byteLength);
  const out: WorkerResult[] = new Array(r.n);
  for (let i = 0; i < r.n; i++) {
    out[i] = { ok: st[i] !== 0, by: by[i], digest: d.subarray(i * 32, i * 32 + 32), wrapped: st[i] === 2 ? wr.toString('base64', i * W, i * W + W) : null };
  }
  return out;
}
