/**
 * P4 with the engine's batch AES-GCM kernel (src/core/crypto/gcm-kernel: native over OpenSSL when it
 * loads, else JavaScript): a full re-encryption that batches its AES work through the same kernel as
 * the rewrap (so the rewrap-vs-re-encryption ratio compares like with like), and the per-value floors
 * of the kernel (KEK unwrap + wrap, data authentication, verification digest).
 */
import { randomBytes } from 'node:crypto';
import { gcmKernel, type GcmKernel } from '../src/core/crypto/gcm-kernel';
import type { EnvelopeValue } from '../src/core/model';
import type { Kek } from './inputs';

const W = 60;
const VALUE_FIELDS = ['request_data', 'response_data'];

const u32 = (n: number, f: (i: number) => number): Uint32Array => {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
};

/**
 * Full re-encryption of a batch of lines through the kernel: per value unwrap the DEK (old KEK),
 * decrypt the data (its DEK), seal it under a fresh DEK and wrap that (new KEK); five kernel calls
 * per batch. Same output format as sealEnvelope; no verification (a lower bound, like the reference).
 */
export function reencryptLinesBatched(from: Kek, to: Kek, k: GcmKernel = gcmKernel()): (lines: string[]) => string[] {
  return (lines) => {
    const objs = lines.map((l) => JSON.parse(l) as Record<string, EnvelopeValue | null>);
    const vals: EnvelopeValue[] = [];
    for (const o of objs) for (const f of VALUE_FIELDS) if (o[f]) vals.push(o[f] as EnvelopeValue);
    const n = vals.length;
    const raw = Buffer.allocUnsafe(n * W);
    vals.forEach((v, i) => raw.write(v.dek_wrapped, i * W, 'base64'));
    const deks = Buffer.alloc(n * 32);
    const st = k.open({ keys: from.key, keyOff: new Uint32Array(n), nonces: raw, nonceOff: u32(n, (i) => i * W), src: raw, srcOff: u32(n, (i) => i * W + 12), srcLen: u32(n, () => 48) }, deks, u32(n, (i) => i * 32));
    // data: nonce || ciphertext+tag per value
    const ctLen = vals.map((v) => Buffer.byteLength(v.ciphertext, 'base64'));
    const dataOff = new Uint32Array(n);
    let size = 0;
    vals.forEach((_, i) => {
      dataOff[i] = size;
      size += 12 + ctLen[i]!;
    });
    const data = Buffer.allocUnsafe(size);
    vals.forEach((v, i) => {
      data.write(v.nonce, dataOff[i]!, 'base64');
      data.write(v.ciphertext, dataOff[i]! + 12, 'base64');
    });
    const ptOff = dataOff; // plaintexts, and below the new ciphertexts, at the offsets of the old data
    const pt = Buffer.alloc(size);
    const ok = k.open({ keys: deks, keyOff: u32(n, (i) => i * 32), nonces: data, nonceOff: dataOff, src: data, srcOff: u32(n, (i) => dataOff[i]! + 12), srcLen: Uint32Array.from(ctLen) }, pt, ptOff);
    for (let i = 0; i < n; i++) if (!st[i] || !ok[i]) throw new Error(`value ${i} does not open`);
    const fresh = randomBytes(n * 32);
    const nonces = randomBytes(n * 24); // 12 for the data, 12 for the wrap
    const sealed = Buffer.allocUnsafe(size);
    const sealedOff = dataOff;
    k.seal({ keys: fresh, keyOff: u32(n, (i) => i * 32), nonces, nonceOff: u32(n, (i) => i * 24), src: pt, srcOff: ptOff, srcLen: u32(n, (i) => ctLen[i]! - 16) }, sealed, sealedOff);
    const wrapped = Buffer.allocUnsafe(n * W);
    for (let i = 0; i < n; i++) nonces.copy(wrapped, i * W, i * 24 + 12, i * 24 + 24);
    k.seal({ keys: to.key, keyOff: new Uint32Array(n), nonces: wrapped, nonceOff: u32(n, (i) => i * W), src: fresh, srcOff: u32(n, (i) => i * 32), srcLen: u32(n, () => 32) }, wrapped, u32(n, (i) => i * W + 12));
    pt.fill(0);
    deks.fill(0);
    fresh.fill(0);
    let i = 0;
    for (const o of objs) {
      for (const f of VALUE_FIELDS) {
        if (!o[f]) continue;
        o[f] = {
          version: 1,
          alg: 'AES-256-GCM',
          key_id: to.id,
          dek_wrapped: wrapped.toString('base64', i * W, i * W + W),
          nonce: nonces.toString('base64', i * 24, i * 24 + 12),
          ciphertext: sealed.toString('base64', sealedOff[i]!, sealedOff[i]! + ctLen[i]!),
        };
        i++;
      }
    }
    return objs.map((o) => JSON.stringify(o));
  };
}

/** Per-value floors of the kernel on `values` (their DEKs given): KEK unwrap + wrap, data authentication, digest; ms for all of them. */
export function kernelFloors(values: EnvelopeValue[], deks: Buffer[], from: Kek, to: Kek, k: GcmKernel = gcmKernel()): { unwrapWrapMs: number; dataAuthMs: number; digestMs: number } {
  const time = (f: () => void): number => {
    const t = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const B = 1024;
  const unwrapWrapMs = time(() => {
    for (let at = 0; at < values.length; at += B) {
      const part = values.slice(at, at + B);
      const n = part.length;
      const raw = Buffer.allocUnsafe(n * W);
      part.forEach((v, i) => raw.write(v.dek_wrapped, i * W, 'base64'));
      const d = Buffer.alloc(n * 32);
      k.open({ keys: from.key, keyOff: new Uint32Array(n), nonces: raw, nonceOff: u32(n, (i) => i * W), src: raw, srcOff: u32(n, (i) => i * W + 12), srcLen: u32(n, () => 48) }, d, u32(n, (i) => i * 32));
      const out = Buffer.allocUnsafe(n * W);
      randomBytes(n * W).copy(out);
      k.seal({ keys: to.key, keyOff: new Uint32Array(n), nonces: out, nonceOff: u32(n, (i) => i * W), src: d, srcOff: u32(n, (i) => i * 32), srcLen: u32(n, () => 32) }, out, u32(n, (i) => i * W + 12));
      d.fill(0);
    }
  });
  const dataAuthMs = time(() => {
    for (let at = 0; at < values.length; at += B) {
      const part = values.slice(at, at + B);
      const n = part.length;
      const keys = Buffer.concat(deks.slice(at, at + B));
      const lens = part.map((v) => Buffer.byteLength(v.ciphertext, 'base64'));
      const off = new Uint32Array(n);
      let size = 0;
      lens.forEach((l, i) => {
        off[i] = size;
        size += 12 + l;
      });
      const data = Buffer.allocUnsafe(size);
      part.forEach((v, i) => {
        data.write(v.nonce, off[i]!, 'base64');
        data.write(v.ciphertext, off[i]! + 12, 'base64');
      });
      k.open({ keys, keyOff: u32(n, (i) => i * 32), nonces: data, nonceOff: off, src: data, srcOff: u32(n, (i) => off[i]! + 12), srcLen: Uint32Array.from(lens) }, null, null);
      keys.fill(0);
    }
  });
  const digestMs = time(() => {
    for (let at = 0; at < values.length; at += B) {
      const part = values.slice(at, at + B);
      const n = part.length;
      const texts = part.map((v) => Buffer.byteLength(v.nonce) + Buffer.byteLength(v.ciphertext));
      const arena = Buffer.alloc(2 + n * 32 + texts.reduce((s, x) => s + x, 0));
      arena.write('K|');
      const off = new Uint32Array(n * 5);
      const len = new Uint32Array(n * 5);
      let t = 2 + n * 32;
      part.forEach((v, i) => {
        deks[at + i]!.copy(arena, 2 + i * 32);
        const p = i * 5;
        off.set([0, 2 + i * 32, t], p);
        len.set([1, 32, arena.write(v.nonce, t)], p);
        t += len[p + 2]!;
        off.set([1, t], p + 3);
        len.set([1, arena.write(v.ciphertext, t)], p + 3);
        t += len[p + 4]!;
      });
      k.sha256(arena, off, len, 5, new Uint8Array(n * 32));
      arena.fill(0);
    }
  });
  return { unwrapWrapMs, dataAuthMs, digestMs };
}
