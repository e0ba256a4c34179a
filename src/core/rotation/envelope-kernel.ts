/**
 * The per-value work of an envelope rewrap with local KEKs, as one batch function shared by the
 * worker thread (envelope-worker.ts) and its tests: unwrap the DEK with a candidate KEK, authenticate
 * the data, take the verification digest and wrap the DEK with the target KEK. Only the happy path is
 * handled here; anything else is `ok: false` and the main thread runs that value through the regular
 * code (same checks, same messages). Every AES operation goes through src/core/crypto.
 */
import { createHash } from 'node:crypto';
import { aesGcmOpen, decodeBase64Strict, isStrictBase64, NONCE_BYTES } from '../crypto/aes-gcm';
import { DekWrapper, tryUnwrapDek } from '../crypto/envelope-cipher';

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
  private readonly wrapper = new DekWrapper();

  /** `keks`: the KEK table (32-byte keys, owned by the kernel from now on); `target`: its index of the target KEK. */
  constructor(
    private readonly keks: Buffer[],
    private readonly target: number,
  ) {}

  run(m: KernelRequest): KernelReply {
    const n = m.w.length;
    const st = new Uint8Array(n);
    const by = new Int32Array(n).fill(-1);
    const dg = new Uint8Array(n * 32);
    const wr: Array<string | null> = new Array(n).fill(null);
    for (let i = 0; i < n; i++) {
      let dek: Buffer | null = null;
      try {
        for (const k of m.c[i]) {
          dek = tryUnwrapDek(this.keks[k], m.w[i]);
          if (dek) {
            by[i] = k;
            break;
          }
        }
        if (!dek) continue;
        if (!m.verify && !dataAuthenticates(dek, m.no[i], m.ct[i])) continue;
        dg.set(dekDigest(dek, m.no[i], m.ct[i]), i * 32);
        if (!m.verify && m.wrap && by[i] !== this.target) wr[i] = this.wrapper.wrap(this.keks[this.target], dek);
        st[i] = 1;
      } catch {
        st[i] = 0;
      } finally {
        dek?.fill(0);
      }
    }
    return { id: m.id, st, by, dg, wr };
  }

  dispose(): void {
    for (const k of this.keks) k.fill(0);
  }
}
