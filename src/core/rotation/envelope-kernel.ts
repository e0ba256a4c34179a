/**
 * The per-value work of an envelope rewrap with local KEKs, as one batch function used by the worker
 * threads (batch-work.ts), the rewriter's in-thread path and tests: unwrap the DEK with a candidate KEK, authenticate
 * the data, take the verification digest and wrap the DEK with the target KEK. Only the happy path is
 * handled here; anything else is `ok: false` and the regular code takes that value (same checks, same
 * messages). Every AES operation and digest of a batch goes through the
 * batch kernel of src/core/crypto (gcm-kernel.ts: native over OpenSSL, or JavaScript), packed into
 * one buffer per batch: one call for the unwraps per candidate round, one for all data
 * authentications (each value under its own DEK), one for the digests, one for the wraps.
 */
import { createHash } from 'node:crypto';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES } from '../crypto/aes-gcm';
import { WRAPPED_DEK_BYTES } from '../crypto/envelope-cipher';
import { base64Length, gcmKernel, type EnvelopeKeyTable, type GcmKernel, type GcmKernelName } from '../crypto/gcm-kernel';
import { NoncePool } from '../crypto/nonce-pool';
import { newReply, replyViews, requestViews, type KernelReply, type KernelRequest, type RequestViews } from './kernel-packing';

const W = WRAPPED_DEK_BYTES;
const W_B64 = (W / 3) * 4;
/** The arena starts with the digest's two constant parts: 'K' at 0, '|' at 1; the DEKs follow. */
const DEKS_AT = 2;

/** The verification digest of an envelope value under a KEK target: sha256('K' | DEK | nonce | '|' | ciphertext). */
export function dekDigest(dek: Buffer, nonce: string, ciphertext: string): Buffer {
  return createHash('sha256').update('K').update(dek).update(nonce).update('|').update(ciphertext).digest();
}

export class EnvelopeKernel {
  private readonly nonces = new NoncePool();
  /** The KEK table as one buffer (32 bytes per KEK), wiped by dispose(). */
  private readonly kekArena: Buffer;
  readonly kekCount: number;

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
  private unwrapAll(v: RequestViews, n: number, arena: Buffer, by: Int32Array): Uint8Array {
    const raw = Buffer.allocUnsafe(n * W);
    const ok = new Uint8Array(n);
    const dek = new Uint8Array(n);
    let rounds = 0;
    const take: number[] = [];
    for (let i = 0; i < n; i++) {
      if (base64Length(v.bytes, v.text[6 * i], v.text[6 * i + 1] - v.text[6 * i]) !== W) continue;
      take.push(i);
      rounds = Math.max(rounds, v.cAt[i + 1] - v.cAt[i]);
    }
    const decoded = this.gcm.base64Decode(v.bytes, Uint32Array.from(take, (i) => v.text[6 * i]), new Uint32Array(take.length).fill(W_B64), raw, Uint32Array.from(take, (i) => i * W));
    take.forEach((i, j) => (ok[i] = decoded[j]));
    const cand = (i: number, p: number): number => (p < v.cAt[i + 1] - v.cAt[i] ? v.cand[v.cAt[i] + p] : -1);
    for (let p = 0; p < rounds; p++) {
      const idx: number[] = [];
      for (let i = 0; i < n; i++) {
        const k = cand(i, p);
        if (ok[i] && !dek[i] && k >= 0 && k < this.kekCount) idx.push(i);
      }
      if (!idx.length) continue;
      idx.sort((x, y) => cand(x, p) - cand(y, p)); // one key schedule per KEK in the call
      const t = idx.length;
      const keyOff = new Uint32Array(t);
      const nonceOff = new Uint32Array(t);
      const srcOff = new Uint32Array(t);
      const dstOff = new Uint32Array(t);
      idx.forEach((i, j) => {
        keyOff[j] = cand(i, p) * KEY_BYTES;
        nonceOff[j] = i * W;
        srcOff[j] = i * W + NONCE_BYTES;
        dstOff[j] = DEKS_AT + i * KEY_BYTES;
      });
      const st = this.gcm.open({ keys: this.kekArena, keyOff, nonces: raw, nonceOff, src: raw, srcOff, srcLen: new Uint32Array(t).fill(KEY_BYTES + TAG_BYTES) }, arena, dstOff);
      idx.forEach((i, j) => {
        if (st[j] !== 1) return;
        dek[i] = 1;
        by[i] = cand(i, p);
      });
    }
    return dek;
  }

  /** Authenticates the data of each value in `idx` under its own DEK (one call); 1 where it is authentic, well-formed data. */
  private authenticate(v: RequestViews, n: number, idx: number[], arena: Buffer): Uint8Array {
    const out = new Uint8Array(n);
    // nonce and ciphertext of each value, decoded in one call: texts 2j and 2j + 1 of value take[j]
    const take: number[] = [];
    const textOff: number[] = [];
    const textLen: number[] = [];
    const dataOff: number[] = [];
    const ctLen: number[] = [];
    let size = 0;
    for (const i of idx) {
      const [no, noEnd, ct, ctEnd] = v.text.subarray(6 * i + 2, 6 * i + 6);
      const ctBytes = base64Length(v.bytes, ct, ctEnd - ct);
      if (base64Length(v.bytes, no, noEnd - no) !== NONCE_BYTES || ctBytes < TAG_BYTES) continue;
      take.push(i);
      textOff.push(no, ct);
      textLen.push(noEnd - no, ctEnd - ct);
      dataOff.push(size, size + NONCE_BYTES);
      ctLen.push(ctBytes);
      size += NONCE_BYTES + ctBytes;
    }
    if (!take.length) return out;
    const data = Buffer.allocUnsafe(size);
    const decoded = this.gcm.base64Decode(v.bytes, Uint32Array.from(textOff), Uint32Array.from(textLen), data, Uint32Array.from(dataOff));
    const ready: number[] = [];
    const [keyOff, nonceOff, srcOff, srcLen]: number[][] = [[], [], [], []];
    take.forEach((i, j) => {
      if (decoded[2 * j] !== 1 || decoded[2 * j + 1] !== 1) return;
      ready.push(i);
      keyOff.push(DEKS_AT + i * KEY_BYTES);
      nonceOff.push(dataOff[2 * j]);
      srcOff.push(dataOff[2 * j + 1]);
      srcLen.push(ctLen[j]);
    });
    const u32 = (a: number[]): Uint32Array => Uint32Array.from(a);
    const st = this.gcm.open({ keys: arena, keyOff: u32(keyOff), nonces: data, nonceOff: u32(nonceOff), src: data, srcOff: u32(srcOff), srcLen: u32(srcLen) }, null, null);
    ready.forEach((i, k) => (out[i] = st[k]));
    return out;
  }

  /** `dekDigest` of each value in `idx`, written at dg[32 i..] (one call); the texts are read in the request, past the arena's end (`textAt`). */
  private digest(v: RequestViews, idx: number[], arena: Buffer, textAt: number, dg: Uint8Array): void {
    const t = idx.length;
    if (!t) return;
    const off = new Uint32Array(t * 5);
    const len = new Uint32Array(t * 5);
    idx.forEach((i, j) => {
      const p = j * 5;
      off[p] = 0; // 'K'
      len[p] = 1;
      off[p + 1] = DEKS_AT + i * KEY_BYTES;
      len[p + 1] = KEY_BYTES;
      off[p + 2] = textAt + v.text[6 * i + 2];
      len[p + 2] = v.text[6 * i + 3] - v.text[6 * i + 2];
      off[p + 3] = 1; // '|'
      len[p + 3] = 1;
      off[p + 4] = textAt + v.text[6 * i + 4];
      len[p + 4] = v.text[6 * i + 5] - v.text[6 * i + 4];
    });
    const out = new Uint8Array(t * 32);
    this.gcm.sha256(arena, off, len, 5, out, v.bytes);
    idx.forEach((i, j) => dg.set(out.subarray(j * 32, j * 32 + 32), i * 32));
  }

  /** Wraps the DEKs of `idx` with the target KEK (one call), each into wr[W i..]. */
  private wrapAll(idx: number[], arena: Buffer, wr: Buffer): void {
    const t = idx.length;
    const nonceOff = new Uint32Array(t);
    const srcOff = new Uint32Array(t);
    const dstOff = new Uint32Array(t);
    idx.forEach((i, j) => {
      this.nonces.next().copy(wr, i * W);
      nonceOff[j] = i * W;
      srcOff[j] = DEKS_AT + i * KEY_BYTES;
      dstOff[j] = i * W + NONCE_BYTES;
    });
    const keyOff = new Uint32Array(t).fill(this.target * KEY_BYTES);
    this.gcm.seal({ keys: this.kekArena, keyOff, nonces: wr, nonceOff, src: arena, srcOff, srcLen: new Uint32Array(t).fill(KEY_BYTES) }, wr, dstOff);
  }

  run(m: KernelRequest): KernelReply {
    return this.runViews(m.id, requestViews(m), m.n, m);
  }

  /** The native batch's key table (envelope_batch.c) over this kernel's KEKs: each key_id's candidate indices, the target's key_id. */
  keyTable(candidates: ReadonlyMap<string, readonly number[]>, targetKeyId: string): EnvelopeKeyTable {
    const ids = [...candidates.keys()].map((id) => Buffer.from(id, 'utf8'));
    const idOff = new Uint32Array(ids.length + 1);
    const candOff = new Uint32Array(ids.length + 1);
    const cand: number[] = [];
    [...candidates.values()].forEach((c, i) => {
      idOff[i + 1] = idOff[i] + ids[i].length;
      for (const k of c) if (Number.isInteger(k) && k >= 0 && k < this.kekCount) cand.push(k);
      candOff[i + 1] = cand.length;
    });
    const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
    return { keks: this.kekArena, ids: Buffer.concat(ids), idOff, candOff, cand: Uint32Array.from(cand), target: this.target, targetId: utf8(targetKeyId), targetText: utf8(JSON.stringify(targetKeyId).slice(1, -1)) };
  }

  private runViews(id: number, v: RequestViews, n: number, m: { verify: boolean; wrap: boolean }): KernelReply {
    const reply = newReply(id, n);
    const { st, by, dg, wr } = replyViews(reply);
    // The arena: 'K', '|', the DEKs; the digests read the request's texts as if they followed it.
    const textAt = DEKS_AT + n * KEY_BYTES;
    const arena = Buffer.alloc(textAt);
    arena[0] = 0x4b; // 'K'
    arena[1] = 0x7c; // '|'
    try {
      const dek = this.unwrapAll(v, n, arena, by);
      let ready: number[] = [];
      for (let i = 0; i < n; i++) if (dek[i]) ready.push(i);
      if (!m.verify) {
        const auth = this.authenticate(v, n, ready, arena);
        ready = ready.filter((i) => auth[i] === 1);
      }
      this.digest(v, ready, arena, textAt, dg);
      const toWrap: number[] = [];
      for (const i of ready) {
        if (!m.verify && m.wrap && by[i] !== this.target) toWrap.push(i);
        else st[i] = 1;
      }
      if (toWrap.length) {
        this.wrapAll(toWrap, arena, wr);
        for (const i of toWrap) st[i] = 2;
      }
    } finally {
      arena.fill(0, DEKS_AT, textAt);
    }
    return reply;
  }

  dispose(): void {
    this.kekArena.fill(0);
  }
}
