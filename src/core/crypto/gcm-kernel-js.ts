/**
 * The JavaScript kernel of the batch AES-256-GCM interface, used when the native one cannot load
 * (no build, Electron's BoringSSL, another platform). Runs of messages under one key of at most 32
 * bytes (KEK wraps and unwraps of DEKs) go through GcmBatchKey (one key schedule per run, GHASH in
 * constant-time JS); everything else through node:crypto one message at a time (aesGcmSealInto /
 * aesGcmOpen). Same checks and same output as the native kernel (tested against each other).
 */
import { createHash } from 'node:crypto';
import { aesGcmOpen, aesGcmSealInto, isStrictBase64, KEY_BYTES, NONCE_BYTES, TAG_BYTES } from './aes-gcm';
import { GcmBatchKey } from './gcm-batch';
import { base64Length, type GcmBatch, type GcmKernel } from './gcm-kernel-types';

/** Messages per run below which a GcmBatchKey (one ECB context and H) does not pay. */
const RUN_MIN = 4;
const SHORT = KEY_BYTES;

const inRange = (off: number, len: number, total: number): boolean => off <= total && len <= total - off;

/** The native kernel's checks: every offset and length within its buffer, before any work. */
export function checkGcmBatch(b: GcmBatch, dst: Uint8Array | null, dstOff: Uint32Array | null, sealing: boolean): void {
  const u8 = [b.keys, b.nonces, b.src, ...(dst ? [dst] : [])].every((x) => x instanceof Uint8Array);
  const u32 = [b.keyOff, b.nonceOff, b.srcOff, b.srcLen, ...(dstOff ? [dstOff] : [])].every((x) => x instanceof Uint32Array);
  if (!u8 || !u32) throw new RangeError('gcm batch: keys/nonces/src must be Uint8Arrays, offsets and lengths Uint32Arrays');
  const n = b.keyOff.length;
  if (sealing && (!dst || !dstOff)) throw new RangeError('gcm batch: seal needs an output buffer');
  if ((dst === null) !== (dstOff === null)) throw new RangeError('gcm batch: dst must be a Uint8Array and dstOff a Uint32Array (or both null)');
  if (b.nonceOff.length !== n || b.srcOff.length !== n || b.srcLen.length !== n || (dstOff && dstOff.length !== n)) throw new RangeError('gcm batch: offset and length arrays differ in length');
  for (let i = 0; i < n; i++) {
    const len = b.srcLen[i];
    if (!inRange(b.keyOff[i], KEY_BYTES, b.keys.length)) throw new RangeError('gcm batch: key offset out of range');
    if (!inRange(b.nonceOff[i], NONCE_BYTES, b.nonces.length)) throw new RangeError('gcm batch: nonce offset out of range');
    if (!inRange(b.srcOff[i], len, b.src.length)) throw new RangeError('gcm batch: source range out of bounds');
    if (!sealing && len < TAG_BYTES) throw new RangeError('gcm batch: sealed message shorter than the tag');
    if (dst && dstOff && !inRange(dstOff[i], sealing ? len + TAG_BYTES : len - TAG_BYTES, dst.length)) throw new RangeError('gcm batch: output range out of bounds');
  }
}

const view = (u: Uint8Array, off: number, len: number): Buffer => Buffer.from(u.buffer, u.byteOffset + off, len);

/** End (exclusive) of the run of messages from `i` on with the same key and at most SHORT bytes of message each. */
function runEnd(b: GcmBatch, i: number, tag: number): number {
  let j = i;
  while (j < b.keyOff.length && b.keyOff[j] === b.keyOff[i] && b.srcLen[j] - tag <= SHORT) j++;
  return j;
}

export const jsGcmKernel = (detail: string): GcmKernel => ({
  name: 'js',
  detail,

  seal(b, dst, dstOff) {
    checkGcmBatch(b, dst, dstOff, true);
    const out = view(dst, 0, dst.length);
    for (let i = 0; i < b.keyOff.length; ) {
      const end = runEnd(b, i, 0);
      if (end - i >= RUN_MIN) {
        const g = new GcmBatchKey(view(b.keys, b.keyOff[i], KEY_BYTES), SHORT);
        const idx = Array.from({ length: end - i }, (_, k) => i + k);
        const sealed = g.sealMany(idx.map((k) => view(b.nonces, b.nonceOff[k], NONCE_BYTES)), idx.map((k) => view(b.src, b.srcOff[k], b.srcLen[k])));
        g.wipe();
        idx.forEach((k, m) => sealed[m].copy(out, dstOff[k]));
        i = end;
        continue;
      }
      aesGcmSealInto(view(b.keys, b.keyOff[i], KEY_BYTES), view(b.nonces, b.nonceOff[i], NONCE_BYTES), view(b.src, b.srcOff[i], b.srcLen[i]), out, dstOff[i]);
      i++;
    }
  },

  open(b, dst, dstOff) {
    checkGcmBatch(b, dst, dstOff, false);
    const n = b.keyOff.length;
    const st = new Uint8Array(n);
    const put = (k: number, pt: Buffer | null): void => {
      if (!pt) {
        if (dst && dstOff) dst.fill(0, dstOff[k], dstOff[k] + b.srcLen[k] - TAG_BYTES);
        return;
      }
      st[k] = 1;
      if (dst && dstOff) dst.set(pt, dstOff[k]);
      pt.fill(0);
    };
    for (let i = 0; i < n; ) {
      const end = runEnd(b, i, TAG_BYTES);
      if (end - i >= RUN_MIN) {
        const g = new GcmBatchKey(view(b.keys, b.keyOff[i], KEY_BYTES), SHORT);
        const idx = Array.from({ length: end - i }, (_, k) => i + k);
        const opened = g.openMany(idx.map((k) => view(b.nonces, b.nonceOff[k], NONCE_BYTES)), idx.map((k) => view(b.src, b.srcOff[k], b.srcLen[k])));
        g.wipe();
        idx.forEach((k, m) => put(k, opened[m]));
        i = end;
        continue;
      }
      put(i, aesGcmOpen(view(b.keys, b.keyOff[i], KEY_BYTES), view(b.nonces, b.nonceOff[i], NONCE_BYTES), view(b.src, b.srcOff[i], b.srcLen[i])));
      i++;
    }
    return st;
  },

  base64Decode(src, srcOff, srcLen, dst, dstOff) {
    if (![src, dst].every((x) => x instanceof Uint8Array) || ![srcOff, srcLen, dstOff].every((x) => x instanceof Uint32Array)) throw new RangeError('base64 batch: (Uint8Array, Uint32Array, Uint32Array, Uint8Array, Uint32Array) expected');
    const n = srcOff.length;
    if (srcLen.length !== n || dstOff.length !== n) throw new RangeError('base64 batch: offset and length arrays differ in length');
    for (let i = 0; i < n; i++) {
      if (!inRange(srcOff[i], srcLen[i], src.length)) throw new RangeError('base64 batch: source range out of bounds');
      if (!inRange(dstOff[i], Math.max(0, base64Length(src, srcOff[i], srcLen[i])), dst.length)) throw new RangeError('base64 batch: output range out of bounds');
    }
    const st = new Uint8Array(n);
    const out = view(dst, 0, dst.length);
    for (let i = 0; i < n; i++) {
      const s = view(src, srcOff[i], srcLen[i]).toString('latin1');
      if (isStrictBase64(s)) st[i] = (out.write(s, dstOff[i], 'base64'), 1);
    }
    return st;
  },

  sha256(src0, partOff, partLen, partsPer, dst, src2) {
    const src = src2 ? Buffer.concat([src0, src2]) : src0;
    if (!(src instanceof Uint8Array) || !(dst instanceof Uint8Array) || !(partOff instanceof Uint32Array) || !(partLen instanceof Uint32Array)) throw new RangeError('sha256 batch: (Uint8Array, Uint32Array, Uint32Array, number, Uint8Array) expected');
    if (!Number.isInteger(partsPer) || partsPer < 1 || partOff.length !== partLen.length || partOff.length % partsPer !== 0) throw new RangeError('sha256 batch: part arrays do not hold whole digests');
    const n = partOff.length / partsPer;
    if (dst.length !== n * 32) throw new RangeError('sha256 batch: output must be 32 bytes per digest');
    for (let j = 0; j < partOff.length; j++) if (!inRange(partOff[j], partLen[j], src.length)) throw new RangeError('sha256 batch: part out of bounds');
    for (let i = 0; i < n; i++) {
      const h = createHash('sha256');
      for (let j = i * partsPer; j < (i + 1) * partsPer; j++) h.update(view(src, partOff[j], partLen[j]));
      dst.set(h.digest(), i * 32);
    }
  },
});
