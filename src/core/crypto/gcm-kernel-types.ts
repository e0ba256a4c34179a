/**
 * The batch interface of the project's AES-256-GCM path (12-byte nonce, no AAD, `sealed` =
 * ciphertext || 16-byte tag) and of its SHA-256 batch: many messages per call, packed into byte
 * buffers with one Uint32Array entry per message (no object per value). Two kernels implement it
 * (native over OpenSSL, JavaScript over node:crypto); gcm-kernel.ts decides which one is active.
 */
export type GcmKernelName = 'native-openssl' | 'js';

export interface GcmBatch {
  /** Message i uses the 32 bytes of `keys` at `keyOff[i]` (consecutive messages with the same offset share the key schedule). */
  keys: Uint8Array;
  keyOff: Uint32Array;
  /** 12 bytes at `nonceOff[i]`. */
  nonces: Uint8Array;
  nonceOff: Uint32Array;
  /** seal: the plaintext; open: ciphertext || tag (at least 16 bytes). */
  src: Uint8Array;
  srcOff: Uint32Array;
  srcLen: Uint32Array;
}

export interface GcmKernel {
  readonly name: GcmKernelName;
  /** The OpenSSL version (native) or why the native kernel is not in use (JS). */
  readonly detail: string;
  /** Writes ciphertext || tag of message i at `dst[dstOff[i]..]`. Throws RangeError on a malformed batch, before any output. */
  seal(b: GcmBatch, dst: Uint8Array, dstOff: Uint32Array): void;
  /**
   * 1 where the tag verifies, else 0 (that message's output is wiped). `dst` null: authenticate only.
   * Throws RangeError on a malformed batch, before any output.
   */
  open(b: GcmBatch, dst: Uint8Array | null, dstOff: Uint32Array | null): Uint8Array;
  /**
   * `dst[32 i..]` = SHA-256 of the parts i*partsPer..(i+1)*partsPer-1 of `src`, concatenated. With
   * `src2`, an offset at or past the end of `src` is one into `src2` (as if appended, without a copy).
   */
  sha256(src: Uint8Array, partOff: Uint32Array, partLen: Uint32Array, partsPer: number, dst: Uint8Array, src2?: Uint8Array): void;
  /**
   * Strict base64 (isStrictBase64's rule: standard alphabet, padded) of many texts: text i is
   * src[srcOff[i], + srcLen[i]), decoded to dst[dstOff[i]..] (base64Length bytes); status 1 where it
   * is strict base64, else 0 and nothing written. Throws RangeError on a malformed batch, before any output.
   */
  base64Decode(src: Uint8Array, srcOff: Uint32Array, srcLen: Uint32Array, dst: Uint8Array, dstOff: Uint32Array): Uint8Array;
  /**
   * Native only (the JS kernel has none: its callers take the JavaScript path): the envelope-line
   * scanner of the same addon (native/gcm-batch/envelope_scan.c), ENVELOPE_SCAN_STRIDE offsets per
   * line into `out`; the line count when it accepts every line, else -1 - (the first line it refuses).
   */
  scanEnvelopeLines?(batch: Uint8Array, out: Uint32Array): number;
  /**
   * Native only: a whole envelope rewrap batch in one call (native/gcm-batch/envelope_batch.c): the
   * scanner, every value's unwrap, authentication, digest and re-wrap, the line records and the
   * rewritten lines. `info` (7) gets [code, at, lines, values, on target, rewritten, written in place]
   * (ENVELOPE_BATCH_CODE); returns the rewritten batch (mode 'rewrite', code done), else null. With
   * `inPlace`, a rewrite whose replaced texts keep their lengths (the usual case: the same key_id length,
   * dek_wrapped always 80 characters) is written into `batch` itself: info[6] = 1 and null returned.
   */
  rewrapEnvelopeBatch?(batch: Uint8Array, table: EnvelopeKeyTable, mode: EnvelopeBatchMode, scan: Uint32Array, digests: Uint8Array, from: Uint32Array, info: Float64Array, inPlace: boolean): ArrayBuffer | null;
}

/** The KEKs and key_ids of a native envelope batch: key_id i is ids[idOff[i], idOff[i+1]) (UTF-8), tried with KEKs cand[candOff[i], candOff[i+1]). */
export interface EnvelopeKeyTable {
  /** 32 bytes per KEK. */
  keks: Uint8Array;
  ids: Uint8Array;
  idOff: Uint32Array;
  candOff: Uint32Array;
  cand: Uint32Array;
  target: number;
  /** The target's key_id as a value names it (UTF-8), and as written into a value (its JSON string content). */
  targetId: Uint8Array;
  targetText: Uint8Array;
}

export const ENVELOPE_BATCH_MODE = { rewrite: 0, dryRun: 1, verify: 2 } as const;
export type EnvelopeBatchMode = (typeof ENVELOPE_BATCH_MODE)[keyof typeof ENVELOPE_BATCH_MODE];

/** envelope_batch.h: why a native batch was not done. */
export const ENVELOPE_BATCH_CODE = { done: 0, scanRefused: 1, keyId: 2, notOpened: 3, notTarget: 4, noMemory: 5, crypto: 6, notRewrapped: 7 } as const;

/** Layout of scanEnvelopeLines' output (envelope_scan.h). */
export const ENVELOPE_SCAN = { head: 4, perValue: 10, stride: 24 } as const;

/** The addon's exports (native/gcm-batch/gcm_batch.c). */
export interface NativeGcmAddon {
  seal(keys: Uint8Array, keyOff: Uint32Array, nonces: Uint8Array, nonceOff: Uint32Array, src: Uint8Array, srcOff: Uint32Array, srcLen: Uint32Array, dst: Uint8Array, dstOff: Uint32Array): void;
  open(keys: Uint8Array, keyOff: Uint32Array, nonces: Uint8Array, nonceOff: Uint32Array, src: Uint8Array, srcOff: Uint32Array, srcLen: Uint32Array, dst: Uint8Array | null, dstOff: Uint32Array | null): Uint8Array;
  sha256(src: Uint8Array, partOff: Uint32Array, partLen: Uint32Array, partsPer: number, dst: Uint8Array, src2?: Uint8Array): void;
  opensslVersion(): string;
  scanEnvelopeLines(batch: Uint8Array, out: Uint32Array): number;
  base64Decode(src: Uint8Array, srcOff: Uint32Array, srcLen: Uint32Array, dst: Uint8Array, dstOff: Uint32Array): Uint8Array;
  rewrapEnvelopeBatch(
    batch: Uint8Array,
    keks: Uint8Array,
    ids: Uint8Array,
    idOff: Uint32Array,
    candOff: Uint32Array,
    cand: Uint32Array,
    target: number,
    targetId: Uint8Array,
    targetText: Uint8Array,
    mode: number,
    scan: Uint32Array,
    digests: Uint8Array,
    from: Uint32Array,
    info: Float64Array,
    inPlace: boolean,
  ): ArrayBuffer | null;
}

/** Bytes that the base64 text src[off, + len) decodes to (padding as isStrictBase64 counts it); -1 when len is no multiple of 4. */
export function base64Length(src: Uint8Array, off: number, len: number): number {
  if (len % 4 !== 0) return -1;
  const pad = len > 0 && src[off + len - 1] === 61 ? (len > 1 && src[off + len - 2] === 61 ? 2 : 1) : 0;
  return (len / 4) * 3 - pad;
}
