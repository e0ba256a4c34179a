/**
 * Decides which batch AES-256-GCM kernel is active — the one place that does. The native kernel
 * (native/gcm-batch: N-API addon over the OpenSSL the running Node exports, built by
 * scripts/build.mjs into out/native/gcm_batch.node) is loaded lazily, once per thread, and used
 * only after a known-answer test against node:crypto passed; otherwise (not built, a runtime whose
 * crypto is not an exported OpenSSL such as Electron's BoringSSL, another platform, or
 * ENCLOG_GCM_KERNEL=js) the JavaScript kernel is, and `detail` says why. Callers never choose.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { jsGcmKernel } from './gcm-kernel-js';
import type { GcmKernel, NativeGcmAddon } from './gcm-kernel-types';

export { base64Length, ENVELOPE_BATCH_CODE, ENVELOPE_BATCH_MODE, ENVELOPE_SCAN } from './gcm-kernel-types';
export type { EnvelopeBatchMode, EnvelopeKeyTable, GcmBatch, GcmKernel, GcmKernelName } from './gcm-kernel-types';

export const NATIVE_GCM_FILE = 'gcm_batch.node';

/** Where the addon may be: next to a bundle (out/native/) or, from the per-file build (out/src/core/crypto/), in out/native/. */
export function nativeGcmCandidates(dir = __dirname): string[] {
  return [join(dir, 'native', NATIVE_GCM_FILE), join(dir, '..', '..', '..', 'native', NATIVE_GCM_FILE)];
}

const u32 = (...v: number[]): Uint32Array => Uint32Array.from(v);

/** Seals, opens, rejects a flipped tag and digests one random message with the addon, compared with node:crypto. */
function knownAnswer(a: NativeGcmAddon): string | null {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const pt = randomBytes(45);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  const want = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
  const got = Buffer.alloc(want.length);
  a.seal(key, u32(0), nonce, u32(0), pt, u32(0), u32(pt.length), got, u32(0));
  if (!got.equals(want)) return 'its AES-256-GCM output differs from node:crypto';
  const back = Buffer.alloc(pt.length);
  if (a.open(key, u32(0), nonce, u32(0), got, u32(0), u32(got.length), back, u32(0))[0] !== 1 || !back.equals(pt)) return 'it does not open what node:crypto sealed';
  got[got.length - 1] ^= 1;
  if (a.open(key, u32(0), nonce, u32(0), got, u32(0), u32(got.length), null, null)[0] !== 0) return 'it accepts a wrong tag';
  const dg = Buffer.alloc(32);
  a.sha256(pt, u32(0, 5), u32(5, 40), 2, dg);
  if (!dg.equals(createHash('sha256').update(pt).digest())) return 'its SHA-256 differs from node:crypto';
  if (typeof a.scanEnvelopeLines !== 'function' || typeof a.base64Decode !== 'function' || typeof a.rewrapEnvelopeBatch !== 'function') return 'it lacks functions of this version (a build older than its sources)';
  key.fill(0);
  pt.fill(0);
  back.fill(0);
  return null;
}

/** Loads the addon from the first candidate that exists; the kernel, or the reason there is none. */
export function loadNativeGcm(candidates = nativeGcmCandidates()): { addon: NativeGcmAddon } | { reason: string } {
  const path = candidates.find((p) => existsSync(p));
  if (!path) return { reason: 'native kernel not built (no C toolchain or Node headers at build time)' };
  try {
    const m = { exports: {} as NativeGcmAddon };
    // RTLD_NOW: a runtime that lacks OpenSSL's symbols fails here, not at the first call.
    process.dlopen(m, path, constants.dlopen.RTLD_NOW);
    const bad = knownAnswer(m.exports);
    return bad ? { reason: `native kernel rejected: ${bad}` } : { addon: m.exports };
  } catch (err) {
    return { reason: `native kernel did not load in this runtime (${(err as Error).message.split('\n')[0]})` };
  }
}

function nativeKernel(a: NativeGcmAddon): GcmKernel {
  return {
    name: 'native-openssl',
    detail: a.opensslVersion(),
    seal: (b, dst, dstOff) => a.seal(b.keys, b.keyOff, b.nonces, b.nonceOff, b.src, b.srcOff, b.srcLen, dst, dstOff),
    open: (b, dst, dstOff) => a.open(b.keys, b.keyOff, b.nonces, b.nonceOff, b.src, b.srcOff, b.srcLen, dst, dstOff),
    sha256: (src, off, len, per, dst, src2) => (src2 ? a.sha256(src, off, len, per, dst, src2) : a.sha256(src, off, len, per, dst)),
    scanEnvelopeLines: (batch, out) => a.scanEnvelopeLines(batch, out),
    base64Decode: (src, srcOff, srcLen, dst, dstOff) => a.base64Decode(src, srcOff, srcLen, dst, dstOff),
    rewrapEnvelopeBatch: (batch, t, mode, scan, digests, from, info, inPlace) =>
      a.rewrapEnvelopeBatch(batch, t.keks, t.ids, t.idOff, t.candOff, t.cand, t.target, t.targetId, t.targetText, mode, scan, digests, from, info, inPlace),
  };
}

let active: GcmKernel | undefined;

/** The active kernel of this thread (decided on first use). */
export function gcmKernel(): GcmKernel {
  if (active) return active;
  if (process.env.ENCLOG_GCM_KERNEL === 'js') return (active = jsGcmKernel('ENCLOG_GCM_KERNEL=js'));
  const r = loadNativeGcm();
  active = 'addon' in r ? nativeKernel(r.addon) : jsGcmKernel(r.reason);
  return active;
}

/** Both kernels when the native one loads (for tests comparing them). */
export function allGcmKernels(): GcmKernel[] {
  const r = loadNativeGcm();
  return 'addon' in r ? [nativeKernel(r.addon), jsGcmKernel('for comparison')] : [jsGcmKernel(r.reason)];
}
