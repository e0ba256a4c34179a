/**
 * AES-256-GCM for many short messages under one key (rotation's DEK wraps and unwraps under a KEK):
 * the key schedule lives in one OpenSSL AES-256-ECB context for the whole run and every batch's
 * counter blocks go through it in a single call; GHASH runs here. Node's createCipheriv sets up a
 * fresh EVP context, key schedule and GHASH table for every value (5-9 us each on the bench machine),
 * which was most of a rewrap; this path costs one ECB call per batch plus the GHASH below.
 *
 * Constant time: the AES rounds are OpenSSL's (AES-NI where present, else its constant-time
 * fallback); GHASH multiplies with masks only — no branch and no table index depends on H (the
 * hash key, derived from the KEK) or on the data — and the tag comparison ORs differences over the
 * whole tag. As with any JavaScript, the JIT gives no formal guarantee; the arithmetic is branch-free
 * 32-bit integer work that V8 compiles to the same instructions for every input.
 *
 * Output is byte-identical to createCipheriv('aes-256-gcm') with a 12-byte nonce and no AAD (tested).
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES } from './aes-gcm';

const BLOCK = 16;

/** z = x * h in GF(2^128), GCM bit order; x, h as four big-endian 32-bit words; z written to `out`. */
function gfmul(x0: number, x1: number, x2: number, x3: number, h: Uint32Array, out: Uint32Array): void {
  let z0 = 0, z1 = 0, z2 = 0, z3 = 0; // prettier-ignore
  let v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3]; // prettier-ignore
  for (let w = 0; w < 4; w++) {
    const x = w === 0 ? x0 : w === 1 ? x1 : w === 2 ? x2 : x3; // public loop index, not data
    for (let b = 31; b >= 0; b--) {
      const m = -((x >>> b) & 1);
      z0 ^= v0 & m;
      z1 ^= v1 & m;
      z2 ^= v2 & m;
      z3 ^= v3 & m;
      const r = -(v3 & 1);
      v3 = (v3 >>> 1) | (v2 << 31);
      v2 = (v2 >>> 1) | (v1 << 31);
      v1 = (v1 >>> 1) | (v0 << 31);
      v0 = (v0 >>> 1) ^ (0xe1000000 & r);
    }
  }
  out[0] = z0;
  out[1] = z1;
  out[2] = z2;
  out[3] = z3;
}

/** One key's GCM state for a run; wipe() when done. Messages up to `maxBytes` each. */
export class GcmBatchKey {
  private readonly ecb: Cipher;
  private readonly h = new Uint32Array(4);
  private readonly acc = new Uint32Array(4);
  private readonly blocks: number;

  constructor(key: Buffer, readonly maxBytes = KEY_BYTES) {
    if (key.length !== KEY_BYTES) throw new RangeError(`key must be ${KEY_BYTES} bytes`);
    this.blocks = Math.ceil(maxBytes / BLOCK);
    this.ecb = createCipheriv('aes-256-ecb', key, null);
    this.ecb.setAutoPadding(false);
    const H = this.ecb.update(Buffer.alloc(BLOCK));
    for (let i = 0; i < 4; i++) this.h[i] = H.readUInt32BE(i * 4);
    H.fill(0);
  }

  /** E(K, J0) then E(K, J0+1..) for each nonce: (1 + blocks) keystream blocks per message. */
  private keystream(nonces: Buffer[]): Buffer {
    const per = (1 + this.blocks) * BLOCK;
    const ctr = Buffer.alloc(nonces.length * per);
    nonces.forEach((n, i) => {
      if (n.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
      for (let j = 0; j <= this.blocks; j++) {
        n.copy(ctr, i * per + j * BLOCK);
        ctr.writeUInt32BE(j + 1, i * per + j * BLOCK + 12);
      }
    });
    const ks = this.ecb.update(ctr);
    ctr.fill(0);
    return ks;
  }

  /** GHASH(C) xor E(K, J0), written at `out[at..at+16)`. */
  private tag(c: Buffer, cAt: number, cLen: number, ekj0: Buffer, ekAt: number, out: Buffer, at: number): void {
    const a = this.acc;
    a.fill(0);
    const last = Buffer.alloc(BLOCK);
    for (let p = 0; p < cLen; p += BLOCK) {
      let blk: Buffer = c.subarray(cAt + p, cAt + Math.min(p + BLOCK, cLen));
      if (blk.length < BLOCK) {
        last.fill(0);
        blk.copy(last);
        blk = last;
      }
      gfmul(a[0] ^ blk.readUInt32BE(0), a[1] ^ blk.readUInt32BE(4), a[2] ^ blk.readUInt32BE(8), a[3] ^ blk.readUInt32BE(12), this.h, a);
    }
    // length block: 0 bits of AAD, cLen * 8 bits of ciphertext (< 2^32 here)
    gfmul(a[0], a[1], a[2], a[3] ^ (cLen * 8), this.h, a);
    for (let i = 0; i < 4; i++) out.writeUInt32BE((a[i] ^ ekj0.readUInt32BE(ekAt + i * 4)) >>> 0, at + i * 4);
    a.fill(0);
  }

  /** Seals each plaintext (at most maxBytes) under its nonce: ciphertext || tag each. */
  sealMany(nonces: Buffer[], plaintexts: Buffer[]): Buffer[] {
    const ks = this.keystream(nonces);
    const per = (1 + this.blocks) * BLOCK;
    const out = plaintexts.map((pt, i) => {
      if (pt.length > this.maxBytes) throw new RangeError('message longer than this batch key takes');
      const sealed = Buffer.allocUnsafe(pt.length + TAG_BYTES);
      const k = i * per + BLOCK;
      for (let j = 0; j < pt.length; j++) sealed[j] = pt[j] ^ ks[k + j];
      this.tag(sealed, 0, pt.length, ks, i * per, sealed, pt.length);
      return sealed;
    });
    ks.fill(0);
    return out;
  }

  /** Opens each sealed message (ciphertext || tag); null where the tag does not verify. */
  openMany(nonces: Buffer[], sealed: Buffer[]): Array<Buffer | null> {
    const ks = this.keystream(nonces);
    const per = (1 + this.blocks) * BLOCK;
    const want = Buffer.alloc(TAG_BYTES);
    const out = sealed.map((s, i) => {
      const len = s.length - TAG_BYTES;
      if (len < 0 || len > this.maxBytes) return null;
      this.tag(s, 0, len, ks, i * per, want, 0);
      let diff = 0;
      for (let j = 0; j < TAG_BYTES; j++) diff |= want[j] ^ s[len + j];
      if (diff !== 0) return null;
      const pt = Buffer.allocUnsafe(len);
      const k = i * per + BLOCK;
      for (let j = 0; j < len; j++) pt[j] = s[j] ^ ks[k + j];
      return pt;
    });
    ks.fill(0);
    want.fill(0);
    return out;
  }

  /** Drops the key: final() frees OpenSSL's context (and its key schedule) now, not at GC. */
  wipe(): void {
    this.h.fill(0);
    try {
      this.ecb.final();
    } catch {
      // already finished
    }
  }
}
