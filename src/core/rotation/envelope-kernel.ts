/**
 * The per-value work of an envelope rewrap with local KEKs, as one batch function shared by the
 * worker thread (envelope-worker.ts) and its tests: unwrap the DEK with a candidate KEK, authenticate
 * the data, take the verification digest and wrap the DEK with the target KEK. Only the happy path is
 * handled here; anything else is `ok: false` and the main thread runs that value through the regular
 * code (same checks, same messages). Every AES operation goes through src/core/crypto: the KEK
 * unwraps and wraps of a batch through GcmBatchKey (one key schedule per KEK for the run), the data
 * authentication (a different DEK per value) through aesGcmOpen.
 */
import { createHash } from 'node:crypto';
import { aesGcmOpen, decodeBase64Strict, isStrictBase64, NONCE_BYTES } from '../crypto/aes-gcm';
import { wrappedDekBytes } from '../crypto/envelope-cipher';
import { GcmBatchKey } from '../crypto/gcm-batch';
import { NoncePool } from '../crypto/nonce-pool';

export interface KernelRequest {
  id: number;
  /** Unwrap + digest only (the read-back of the rewritten file). */
  verify: boolean;
  /** Wrap with the target KEK (false in a dry run). */
  wrap: boolean;
  /** Per value: indices into the KEK table to try, in order. */
  c: number[][];
  w: string[];
  no: string[];
  ct: string[];
}

export interface KernelReply {
  id: number;
  /** 1: done; 0: the main thread must handle the value. */
  st: Uint8Array;
  /** KEK table index that unwrapped the DEK (-1: none). */
  by: Int32Array;
  /** 32 bytes per value: `dekDigest`. */
  dg: Uint8Array;
  wr: Array<string | null>;
}

/** The verification digest of an envelope value under a KEK target: sha256('K' | DEK | nonce | '|' | ciphertext). */
export function dekDigest(dek: Buffer, nonce: string, ciphertext: string): Buffer {
  return createHash('sha256').update('K').update(dek).update(nonce).update('|').update(ciphertext).digest();
}

/** Opens the data with its DEK; false for anything that is not authentic, well-formed data. */
function dataAuthenticates(dek: Buffer, nonce: string, ciphertext: string): boolean {
  if (!isStrictBase64(nonce) || !isStrictBase64(ciphertext)) return false;
  const n = decodeBase64Strict(nonce, 'nonce');
  const sealed = decodeBase64Strict(ciphertext, 'ciphertext');
  if (n.length !== NONCE_BYTES || sealed.length < 16) return false;
  const pt = aesGcmOpen(dek, n, sealed);
  if (!pt) return false;
  pt.fill(0);
  return true;
}

export class EnvelopeKernel {
  private readonly nonces = new NoncePool();
  /** Per KEK table index, created when first used: the KEK's key schedule kept for the run. */
  private readonly gcm = new Map<number, GcmBatchKey>();

  /** `keks`: the KEK table (32-byte keys, owned by the kernel from now on); `target`: its index of the target KEK. */
  constructor(
    private readonly keks: Buffer[],
    private readonly target: number,
  ) {}

  private key(k: number): GcmBatchKey {
    let g = this.gcm.get(k);
    if (!g) this.gcm.set(k, (g = new GcmBatchKey(this.keks[k])));
    return g;
  }

  /** Unwraps the DEKs batch-wise: candidate by candidate, one batch per KEK. */
  private unwrapAll(m: KernelRequest, by: Int32Array): Array<Buffer | null> {
    const n = m.w.length;
    const raws = m.w.map(wrappedDekBytes);
    const deks: Array<Buffer | null> = new Array(n).fill(null);
    const rounds = m.c.reduce((x, c) => Math.max(x, c.length), 0);
    for (let p = 0; p < rounds; p++) {
      const groups = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        const k = m.c[i][p];
        if (deks[i] || !raws[i] || k === undefined || !this.keks[k]) continue;
        const g = groups.get(k);
        if (g) g.push(i);
        else groups.set(k, [i]);
      }
      for (const [k, idx] of groups) {
        const opened = this.key(k).openMany(
          idx.map((i) => (raws[i] as Buffer).subarray(0, NONCE_BYTES)),
          idx.map((i) => (raws[i] as Buffer).subarray(NONCE_BYTES)),
        );
        idx.forEach((i, j) => {
          if (!opened[j]) return;
          deks[i] = opened[j];
          by[i] = k;
        });
      }
    }
    return deks;
  }

  run(m: KernelRequest): KernelReply {
    const n = m.w.length;
    const st = new Uint8Array(n);
    const by = new Int32Array(n).fill(-1);
    const dg = new Uint8Array(n * 32);
    const wr: Array<string | null> = new Array(n).fill(null);
    const deks = this.unwrapAll(m, by);
    try {
      const toWrap: number[] = [];
      for (let i = 0; i < n; i++) {
        const dek = deks[i];
        if (!dek) continue;
        try {
          if (!m.verify && !dataAuthenticates(dek, m.no[i], m.ct[i])) continue;
          dg.set(dekDigest(dek, m.no[i], m.ct[i]), i * 32);
        } catch {
          continue;
        }
        if (!m.verify && m.wrap && by[i] !== this.target) toWrap.push(i);
        else st[i] = 1;
      }
      if (toWrap.length) {
        const nonces = toWrap.map(() => Buffer.from(this.nonces.next()));
        const sealed = this.key(this.target).sealMany(nonces, toWrap.map((i) => deks[i] as Buffer));
        toWrap.forEach((i, j) => {
          wr[i] = Buffer.concat([nonces[j], sealed[j]]).toString('base64');
          st[i] = 1;
        });
      }
    } finally {
      for (const d of deks) d?.fill(0);
    }
    return { id: m.id, st, by, dg, wr };
  }

  dispose(): void {
    for (const g of this.gcm.values()) g.wipe();
    this.gcm.clear();
    for (const k of this.keks) k.fill(0);
  }
}
