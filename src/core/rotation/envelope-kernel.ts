/**
 * The per-value work of an envelope rewrap with local KEKs, as one batch function shared by the
 * worker thread (envelope-worker.ts) and its tests: unwrap the DEK with a candidate KEK, authenticate
 * the data, take the verification digest and wrap the DEK with the target KEK. Only the happy path is
 * handled here; anything else is `ok: false` and the main thread runs that value through the regular
 * code (same checks, same messages). Every AES operation and digest of a batch goes through the
 * batch kernel of src/core/crypto (gcm-kernel.ts: native over OpenSSL, or JavaScript), packed into
 * one buffer per batch: one call for the unwraps per candidate round, one for all data
 * authentications (each value under its own DEK), one for the digests, one for the wraps.
 */
import { createHash } from 'node:crypto';
import { isStrictBase64, KEY_BYTES, NONCE_BYTES, TAG_BYTES } from '../crypto/aes-gcm';
import { WRAPPED_DEK_BYTES } from '../crypto/envelope-cipher';
import { gcmKernel, type GcmKernel, type GcmKernelName } from '../crypto/gcm-kernel';
import { NoncePool } from '../crypto/nonce-pool';

const W = WRAPPED_DEK_BYTES;
const W_B64 = (W / 3) * 4;
const NONCE_B64 = (NONCE_BYTES / 3) * 4;
/** The arena starts with the digest's two constant parts: 'K' at 0, '|' at 1; the DEKs follow. */
const DEKS_AT = 2;

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

/** Decoded length of strict base64 of `n` characters ending in `pad` '=' characters. */
const b64Bytes = (s: string): number => (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);

export class EnvelopeKernel {
  private readonly nonces = new NoncePool();
  /** The KEK table as one buffer (32 bytes per KEK), wiped by dispose(). */
  private readonly kekArena: Buffer;
  private readonly kekCount: number;

  /**
   * `keks`: the KEK table (32-byte keys, wiped here: the kernel keeps its own copy); `target`: its
   * index of the target KEK; `gcm`: the active batch kernel (tests pass each one).
   */
  constructor(
    keks: Buffer[],
    private readonly target: number,
    private readonly gcm: GcmKernel = gcmKernel(),
  ) {
    this.kekCount = keks.length;
    this.kekArena = Buffer.alloc(keks.length * KEY_BYTES);
    keks.forEach((k, i) => {
      if (k.length === KEY_BYTES) k.copy(this.kekArena, i * KEY_BYTES);
      k.fill(0);
    });
  }

  /** Which AES-GCM kernel does the work. */
  get kernel(): GcmKernelName {
    return this.gcm.name;
  }

  /** Unwraps the DEKs into `arena` (32 bytes at DEKS_AT + 32 i), one kernel call per candidate round. */
  private unwrapAll(m: KernelRequest, arena: Buffer, by: Int32Array): Uint8Array {
    const n = m.w.length;
    const raw = Buffer.allocUnsafe(n * W);
    const ok = new Uint8Array(n);
    const dek = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const w = m.w[i];
      if (typeof w === 'string' && w.length === W_B64 && isStrictBase64(w) && raw.write(w, i * W, 'base64') === W) ok[i] = 1;
    }
    const rounds = m.c.reduce((x, c) => Math.max(x, c.length), 0);
    for (let p = 0; p < rounds; p++) {
      const idx: number[] = [];
      for (let i = 0; i < n; i++) {
        const k = m.c[i][p];
        if (ok[i] && !dek[i] && Number.isInteger(k) && k >= 0 && k < this.kekCount) idx.push(i);
      }
      if (!idx.length) continue;
      idx.sort((x, y) => m.c[x][p] - m.c[y][p]); // one key schedule per KEK in the call
      const t = idx.length;
      const keyOff = new Uint32Array(t);
      const nonceOff = new Uint32Array(t);
      const srcOff = new Uint32Array(t);
      const dstOff = new Uint32Array(t);
      idx.forEach((i, j) => {
        keyOff[j] = m.c[i][p] * KEY_BYTES;
        nonceOff[j] = i * W;
        srcOff[j] = i * W + NONCE_BYTES;
        dstOff[j] = DEKS_AT + i * KEY_BYTES;
      });
      const st = this.gcm.open({ keys: this.kekArena, keyOff, nonces: raw, nonceOff, src: raw, srcOff, srcLen: new Uint32Array(t).fill(KEY_BYTES + TAG_BYTES) }, arena, dstOff);
      idx.forEach((i, j) => {
        if (st[j] !== 1) return;
        dek[i] = 1;
        by[i] = m.c[i][p];
      });
    }
    return dek;
  }

  /** Authenticates the data of each value in `idx` under its own DEK (one call); 1 where it is authentic, well-formed data. */
  private authenticate(m: KernelRequest, idx: number[], arena: Buffer): Uint8Array {
    const out = new Uint8Array(m.w.length);
    const take: number[] = [];
    let size = 0;
    for (const i of idx) {
      const no = m.no[i];
      const ct = m.ct[i];
      if (no.length !== NONCE_B64 || !isStrictBase64(no) || b64Bytes(no) !== NONCE_BYTES || !isStrictBase64(ct) || b64Bytes(ct) < TAG_BYTES) continue;
      take.push(i);
      size += NONCE_BYTES + b64Bytes(ct);
    }
    if (!take.length) return out;
    const data = Buffer.allocUnsafe(size);
    const t = take.length;
    const keyOff = new Uint32Array(t);
    const nonceOff = new Uint32Array(t);
    const srcOff = new Uint32Array(t);
    const srcLen = new Uint32Array(t);
    let at = 0;
    take.forEach((i, j) => {
      keyOff[j] = DEKS_AT + i * KEY_BYTES;
      nonceOff[j] = at;
      at += data.write(m.no[i], at, 'base64');
      srcOff[j] = at;
      srcLen[j] = data.write(m.ct[i], at, 'base64');
      at += srcLen[j];
    });
    const st = this.gcm.open({ keys: arena, keyOff, nonces: data, nonceOff, src: data, srcOff, srcLen }, null, null);
    take.forEach((i, j) => (out[i] = st[j]));
    return out;
  }

  /** `dekDigest` of each value in `idx`, written at dg[32 i..] (one call). */
  private digest(m: KernelRequest, idx: number[], arena: Buffer, textAt: number, dg: Uint8Array): void {
    const t = idx.length;
    if (!t) return;
    const off = new Uint32Array(t * 5);
    const len = new Uint32Array(t * 5);
    let at = textAt;
    idx.forEach((i, j) => {
      const p = j * 5;
      off[p] = 0; // 'K'
      len[p] = 1;
      off[p + 1] = DEKS_AT + i * KEY_BYTES;
      len[p + 1] = KEY_BYTES;
      off[p + 2] = at;
      len[p + 2] = arena.write(m.no[i], at, 'utf8');
      at += len[p + 2];
      off[p + 3] = 1; // '|'
      len[p + 3] = 1;
      off[p + 4] = at;
      len[p + 4] = arena.write(m.ct[i], at, 'utf8');
      at += len[p + 4];
    });
    const out = new Uint8Array(t * 32);
    this.gcm.sha256(arena, off, len, 5, out);
    idx.forEach((i, j) => dg.set(out.subarray(j * 32, j * 32 + 32), i * 32));
  }

  /** Wraps the DEKs of `idx` with the target KEK (one call); the `dek_wrapped` texts. */
  private wrapAll(idx: number[], arena: Buffer): string[] {
    const t = idx.length;
    const out = Buffer.allocUnsafe(t * W);
    const nonceOff = new Uint32Array(t);
    const srcOff = new Uint32Array(t);
    const dstOff = new Uint32Array(t);
    idx.forEach((i, j) => {
      this.nonces.next().copy(out, j * W);
      nonceOff[j] = j * W;
      srcOff[j] = DEKS_AT + i * KEY_BYTES;
      dstOff[j] = j * W + NONCE_BYTES;
    });
    const keyOff = new Uint32Array(t).fill(this.target * KEY_BYTES);
    this.gcm.seal({ keys: this.kekArena, keyOff, nonces: out, nonceOff, src: arena, srcOff, srcLen: new Uint32Array(t).fill(KEY_BYTES) }, out, dstOff);
    return idx.map((_, j) => out.toString('base64', j * W, j * W + W));
  }

  run(m: KernelRequest): KernelReply {
    const n = m.w.length;
    const st = new Uint8Array(n);
    const by = new Int32Array(n).fill(-1);
    const dg = new Uint8Array(n * 32);
    const wr: Array<string | null> = new Array(n).fill(null);
    // Texts of the digests after the DEKs; values whose nonce or ciphertext is no string are left to the main thread.
    const textAt = DEKS_AT + n * KEY_BYTES;
    let textBytes = 0;
    for (let i = 0; i < n; i++) {
      if (typeof m.no[i] === 'string' && typeof m.ct[i] === 'string') textBytes += Buffer.byteLength(m.no[i], 'utf8') + Buffer.byteLength(m.ct[i], 'utf8');
    }
    const arena = Buffer.alloc(textAt + textBytes);
    arena[0] = 0x4b; // 'K'
    arena[1] = 0x7c; // '|'
    try {
      const dek = this.unwrapAll(m, arena, by);
      let ready: number[] = [];
      for (let i = 0; i < n; i++) if (dek[i] && typeof m.no[i] === 'string' && typeof m.ct[i] === 'string') ready.push(i);
      if (!m.verify) {
        const auth = this.authenticate(m, ready, arena);
        ready = ready.filter((i) => auth[i] === 1);
      }
      this.digest(m, ready, arena, textAt, dg);
      const toWrap: number[] = [];
      for (const i of ready) {
        if (!m.verify && m.wrap && by[i] !== this.target) toWrap.push(i);
        else st[i] = 1;
      }
      if (toWrap.length) {
        const wrapped = this.wrapAll(toWrap, arena);
        toWrap.forEach((i, j) => {
          wr[i] = wrapped[j];
          st[i] = 1;
        });
      }
    } finally {
      arena.fill(0, DEKS_AT, textAt);
    }
    return { id: m.id, st, by, dg, wr };
  }

  dispose(): void {
    this.kekArena.fill(0);
  }
}
