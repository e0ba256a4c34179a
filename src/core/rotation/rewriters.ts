/**
 * Per-format rewriting of encrypted values to the target key version, and the digests used to
 * verify a rewritten file by decrypting it again with the target key only.
 *  - envelope: only `dek_wrapped` + `key_id` change; `nonce` and `ciphertext` stay byte-identical.
 *    KEK -> KEK: the DEK is unwrapped and wrapped again locally. Transit key -> same transit key:
 *    Vault's batched `rewrap` (the DEK never leaves Vault). Across kinds: unwrap, then wrap/encrypt.
 *  - Symbiont: decrypt with whichever old key string opens the field (trials), seal with the target
 *    key string in Symbiont's own format (fresh 32-byte salt and 12-byte nonce, Argon2id per `kdf`).
 *  - transit JSON lines: every `vault:vN:` value re-wrapped to the latest version with `rewrap`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { aesGcmDecrypt, aesGcmEncrypt } from '../crypto/aes-gcm';
import { symbiontKdfParams } from '../crypto/argon2';
import { checkEnvelopeHeader, DekWrapper, openEnvelopeData, unwrapDek } from '../crypto/envelope-cipher';
import { AuthError } from '../crypto/errors';
import { decodeSymbiontField, SYMBIONT_ALGORITHM, SYMBIONT_SALT_BYTES } from '../crypto/symbiont-cipher';
import type { EnvelopeValue, FormatId, SymbiontEncryptedData } from '../model';
import type { LoadedKey, TransitEngine } from '../keys/types';
import { transitVersionInfo } from '../keys/key-index';
import { transitCiphertextVersion } from '../keys/transit-version';
import type { LineFields, LocatedField } from '../formats/line-fields';
import type { RotationKeys } from './rotation-keys';
import { gcmKernel, type GcmKernelName } from '../crypto/gcm-kernel';
import { dekDigest, EnvelopeKernel } from './envelope-kernel';
import { RewrapWorkers } from './crypto-worker';
import { kernelRequest, kernelResults, type WorkerItem, type WorkerResult } from './kernel-packing';
import { replaceEnvelopeKey } from './envelope-text';
import type { BatchSpec } from './batch-work';

export { replaceEnvelopeKey } from './envelope-text';

export type FieldState = 'on-target' | 'rewritten' | 'failed';

export interface FieldPlan {
  state: FieldState;
  /** The replacement text (state 'rewritten', not in a dry run). */
  newText?: string;
  /** Expected verification digest of the field in the output. */
  digest: Buffer;
  /** Label of the key that opened the field (before the rewrite). */
  from?: string;
  message?: string;
}

export interface Rewriter {
  readonly target: LoadedKey;
  /** rewrite()/digests() of consecutive batches may overlap (the caller still consumes results in order). */
  readonly concurrent?: boolean;
  /** The batch AES-GCM kernel the rewrite uses (envelope with a local KEK target), else undefined. */
  readonly kernel?: GcmKernelName;
  /** Why a worker thread stopped helping (its batches were then done on the calling thread: slower, same checks), if one did. */
  readonly workerFailure?: string | null;
  /** `threads` worker threads that take whole batches (envelope, local KEK target; made on the first call); null: the caller uses rewrite()/digests(). */
  batchRunner?(threads: number): Promise<BatchRunner | null>;
  rewrite(lines: LineFields[], opts: { dryRun?: boolean; signal?: AbortSignal }): Promise<FieldPlan[][]>;
  /** Digest of every field of the lines as the target key alone sees it (content, or raw bytes when it cannot open it). */
  digests(lines: LineFields[], signal?: AbortSignal): Promise<Buffer[][]>;
  dispose(): void;
}

/** A batch done by a worker thread: counts, each line's record digest, and the output. */
export interface BatchResult {
  lines: number;
  entries: number;
  fields: number;
  onTarget: number;
  rewritten: number;
  /** Values rewritten per key label they were on. */
  from: Record<string, number>;
  /** 32 bytes per line (line-record.ts). */
  digests: Buffer;
  /** The lines as written (rewrite, not a dry run). */
  out: Buffer | null;
}

export interface BatchRunner {
  /** Threads: how many batches to keep in flight is the caller's business. */
  readonly width: number;
  /** A batch of complete lines; null: this batch needs the regular code on the calling thread (nothing was done). */
  run(lines: Buffer, mode: { verify: boolean; dryRun: boolean }): Promise<BatchResult | null>;
}

/** What a caller may branch on (never the message text): another run holds the log; this run lost its lock. */
export type RotationErrorCode = 'rotation-in-progress' | 'lock-lost';

export class RotationError extends Error {
  constructor(
    message: string,
    readonly code?: RotationErrorCode,
  ) {
    super(message);
    this.name = 'RotationError';
  }
}

const sha = (tag: string, ...parts: Buffer[]): Buffer => {
  const h = createHash('sha256').update(tag);
  for (const p of parts) h.update(p);
  return h.digest();
};
export const rawDigest = (f: LocatedField): Buffer => sha('R', Buffer.from(f.text, 'utf8'));

function abortError(): Error {
  const e = new Error('cancelled');
  e.name = 'AbortError';
  return e;
}

function regroup<T>(lines: LineFields[], flat: T[]): T[][] {
  let at = 0;
  return lines.map((l) => flat.slice(at, (at += l.fields.length)));
}

/** The rewriter for a log format and a target key; throws RotationError when they do not fit. */
export function makeRewriter(format: FormatId, keys: RotationKeys, target: LoadedKey, opts: { kdf: string }): Rewriter {
  const kind = target.info.kind;
  if (format === 'symbiont') {
    if (kind !== 'symbiont') throw new RotationError(`a Symbiont log needs a Symbiont key string as target; ${target.info.label} is a ${kind} key`);
    return new SymbiontRewriter(keys, target, opts.kdf);
  }
  if (format === 'envelope') {
    if (kind !== 'kek' && kind !== 'transit') throw new RotationError(`an envelope log needs a KEK or a transit key as target; ${target.info.label} is a ${kind} key`);
    return new EnvelopeRewriter(keys, target);
  }
  if (kind !== 'transit') throw new RotationError(`a transit JSON-lines log needs a vault-transit target; ${target.info.label} is a ${kind} key`);
  return new TransitRewriter(keys, target);
}

// ------------------------------------------------------------------ Symbiont

/** Verification re-derives Argon2 for one sealed field in FULL_DERIVE_EVERY; the others reuse the key derived when sealing. */
const FULL_DERIVE_EVERY = 32;

class SymbiontRewriter implements Rewriter {
  private readonly derived = new Map<string, Buffer>();
  private verified = 0;

  constructor(
    private readonly keys: RotationKeys,
    readonly target: LoadedKey,
    private readonly kdf: string,
  ) {}

  async rewrite(lines: LineFields[], opts: { dryRun?: boolean; signal?: AbortSignal }): Promise<FieldPlan[][]> {
    const flat = lines.flatMap((l) => l.fields);
    const results = await this.keys.resolver.openFields(flat.map((f) => f.field), opts.signal);
    if (opts.signal?.aborted) throw abortError();
    const plans = await Promise.all(
      flat.map(async (f, i): Promise<FieldPlan> => {
        const r = results[i];
        if (!r.ok) return { state: 'failed', digest: rawDigest(f), message: r.message };
        try {
          const digest = sha('S', r.plaintext);
          if (r.key.label === this.target.info.label) return { state: 'on-target', digest, from: r.key.label };
          if (opts.dryRun) return { state: 'rewritten', digest, from: r.key.label };
          return { state: 'rewritten', digest, from: r.key.label, newText: JSON.stringify(await this.seal(r.plaintext, opts.signal)) };
        } finally {
          r.plaintext.fill(0);
        }
      }),
    );
    return regroup(lines, plans);
  }

  private async seal(plaintext: Buffer, signal?: AbortSignal): Promise<SymbiontEncryptedData> {
    const salt = randomBytes(SYMBIONT_SALT_BYTES);
    const key = await this.keys.deriver.derive(this.target.material as Buffer, salt, symbiontKdfParams(this.kdf), signal);
    const { nonce, sealed } = aesGcmEncrypt(key, plaintext);
    const saltB64 = salt.toString('base64');
    this.derived.set(saltB64, key);
    return { ciphertext: sealed.toString('base64'), nonce: nonce.toString('base64'), salt: saltB64, algorithm: SYMBIONT_ALGORITHM, kdf: this.kdf };
  }

  async digests(lines: LineFields[], signal?: AbortSignal): Promise<Buffer[][]> {
    const flat = lines.flatMap((l) => l.fields);
    const out = await Promise.all(
      flat.map(async (f): Promise<Buffer> => {
        if (f.field.kind !== 'symbiont') return rawDigest(f);
        const data = f.field.data;
        let parts: ReturnType<typeof decodeSymbiontField>;
        try {
          parts = decodeSymbiontField(data);
        } catch {
          return rawDigest(f);
        }
        const cached = this.derived.get(data.salt);
        this.derived.delete(data.salt);
        let key: Buffer;
        if (cached && this.verified++ % FULL_DERIVE_EVERY !== 0) key = cached;
        else {
          cached?.fill(0);
          key = await this.keys.deriver.derive(this.target.material as Buffer, parts.salt, symbiontKdfParams(data.kdf), signal);
        }
        try {
          const pt = aesGcmDecrypt(key, parts.nonce, parts.sealed);
          const d = sha('S', pt);
          pt.fill(0);
          return d;
        } catch (err) {
          if (err instanceof AuthError) return rawDigest(f);
          throw err;
        } finally {
          key.fill(0);
        }
      }),
    );
    if (signal?.aborted) throw abortError();
    return regroup(lines, out);
  }

  dispose(): void {
    for (const k of this.derived.values()) k.fill(0);
    this.derived.clear();
  }
}

// ------------------------------------------------------------------ envelope

const TRANSIT_PREFIX = 'vault-transit:';

/** Batches with fewer values than this take the regular path. */
const KERNEL_MIN = 8;

interface Kernels {
  local: EnvelopeKernel;
  /** The KEK table the kernels index (the materials are the loaded keys'). */
  keks: Buffer[];
}

class EnvelopeRewriter implements Rewriter {
  private readonly targetKeyId: string;
  private readonly wrapper = new DekWrapper();
  /**
   * KEK target: a field's verification digest is taken over its DEK (as the target KEK unwraps it)
   * and its exact nonce + ciphertext, instead of over the decrypted data. The rewrite still
   * authenticates every value's data with its DEK; the read-back then proves that the target KEK
   * unwraps the same DEK and that nonce and ciphertext are byte-identical, which implies the same
   * plaintext without decrypting the data a second time.
   */
  private readonly dekDigests: boolean;
  /** Local KEK target: the rewrite is pure computation, batches may overlap. */
  readonly concurrent: boolean;
  readonly kernel?: GcmKernelName;
  workerFailure: string | null = null;
  /** The kernels (KEK target): made when first needed; null when not used. */
  private kit: Kernels | null = null;
  private kitMade: Promise<Kernels | null> | undefined;
  private runnerMade: Promise<BatchRunner | null> | undefined;
  private workers: RewrapWorkers | null = null;
  private disposed = false;
  private readonly kekTable = new Map<LoadedKey, number>();
  private kekList: LoadedKey[] = [];
  private targetIdx = -1;

  constructor(
    private readonly keys: RotationKeys,
    readonly target: LoadedKey,
  ) {
    const id = target.info.keyId ?? (target.transit ? `${TRANSIT_PREFIX}${target.transit.name}` : undefined);
    if (!id) throw new RotationError(`${target.info.label} has no key id`);
    this.targetKeyId = id;
    this.dekDigests = !!target.material && !target.transit;
    this.concurrent = this.dekDigests;
    if (this.dekDigests) this.kernel = gcmKernel().name;
  }

  private contentDigest(data: EnvelopeValue, plaintext: Buffer): Buffer {
    return sha('E', plaintext, Buffer.from(data.nonce), Buffer.from('|'), Buffer.from(data.ciphertext));
  }

  private dekDigest(data: EnvelopeValue, dek: Buffer): Buffer {
    return dekDigest(dek, data.nonce, data.ciphertext);
  }

  /** What the verification side computes for a value whose data does not authenticate (KEK target). */
  private unreadableDigest(f: LocatedField, data: EnvelopeValue): Buffer {
    if (!this.dekDigests || data.key_id !== this.targetKeyId) return rawDigest(f);
    let dek: Buffer;
    try {
      dek = unwrapDek(this.target.material as Buffer, data.dek_wrapped);
    } catch {
      return rawDigest(f);
    }
    try {
      return this.dekDigest(data, dek);
    } finally {
      dek.fill(0);
    }
  }

  /** DEKs of the fields (null + message where none could be had). */
  private async deks(datas: EnvelopeValue[], onlyTarget: boolean, signal?: AbortSignal): Promise<Array<{ dek: Buffer | null; by?: LoadedKey | { label: string }; message?: string }>> {
    const { index } = await this.keys.load();
    const out: Array<{ dek: Buffer | null; by?: LoadedKey | { label: string }; message?: string }> = datas.map(() => ({ dek: null, message: 'no key' }));
    const viaTransit = new Map<string, number[]>();
    datas.forEach((d, i) => {
      try {
        checkEnvelopeHeader(d);
      } catch (err) {
        out[i] = { dek: null, message: (err as Error).message };
        return;
      }
      if (onlyTarget && d.key_id !== this.targetKeyId) {
        out[i] = { dek: null, message: 'not on the target' };
        return;
      }
      if (d.key_id.startsWith(TRANSIT_PREFIX)) {
        viaTransit.set(d.key_id, [...(viaTransit.get(d.key_id) ?? []), i]);
        return;
      }
      const candidates = onlyTarget ? (this.target.material ? [this.target] : []) : (index.keks.get(d.key_id) ?? []);
      if (candidates.length === 0) {
        out[i] = { dek: null, message: `no configured KEK has key_id '${d.key_id}'` };
        return;
      }
      for (const k of candidates) {
        try {
          out[i] = { dek: unwrapDek(k.material as Buffer, d.dek_wrapped), by: k };
          return;
        } catch (err) {
          if (err instanceof AuthError) continue;
          out[i] = { dek: null, message: (err as Error).message };
          return;
        }
      }
      out[i] = { dek: null, message: `the configured KEK '${d.key_id}' does not unwrap this DEK` };
    });
    for (const [keyId, idx] of viaTransit) {
      const entry = index.transit.find((t) => t.keyId === keyId);
      const engine: TransitEngine | undefined = onlyTarget ? this.target.transit : entry?.engine;
      if (!engine) {
        for (const i of idx) out[i] = { dek: null, message: `no configured transit key for key_id '${keyId}'` };
        continue;
      }
      const results = await engine.decryptBatch(idx.map((i) => datas[i].dek_wrapped), signal);
      idx.forEach((i, n) => {
        const r = results[n];
        if (r?.plaintext?.length === 32) out[i] = { dek: r.plaintext, by: { label: entry ? transitVersionInfo(entry.versions, datas[i].dek_wrapped).label : `${keyId}@v${transitCiphertextVersion(datas[i].dek_wrapped)}` } };
        else out[i] = { dek: null, message: r?.error ?? 'transit returned no 32-byte DEK' };
      });
    }
    return out;
  }

  private onTarget(d: EnvelopeValue, by: LoadedKey | { label: string } | undefined): boolean {
    if (d.key_id !== this.targetKeyId) return false;
    if (this.target.transit) return transitCiphertextVersion(d.dek_wrapped) === this.target.info.order;
    return by === this.target;
  }

  /** The in-thread kernel over the KEK table; null when the target is no local KEK. */
  private kernels(): Promise<Kernels | null> {
    this.kitMade ??= this.makeKernels(); // once, even with two batches asking at the same time
    return this.kitMade;
  }

  private async makeKernels(): Promise<Kernels | null> {
    if (!this.dekDigests) return null;
    const { index } = await this.keys.load();
    const keks: Buffer[] = [];
    const add = (k: LoadedKey): void => {
      if (this.kekTable.has(k) || !Buffer.isBuffer(k.material) || k.material.length !== 32) return;
      this.kekTable.set(k, keks.length);
      this.kekList.push(k);
      keks.push(k.material);
    };
    add(this.target);
    for (const list of index.keks.values()) for (const k of list) add(k);
    const t = this.kekTable.get(this.target);
    if (t === undefined || this.disposed) return null;
    this.targetIdx = t;
    this.kit = { local: new EnvelopeKernel(keks.map((k) => Buffer.from(k)), t), keks };
    return this.kit;
  }

  /** The KEK table indices to try for a key_id (null: some KEK of that id is not in the table, or a transit id). */
  private candidates(index: { keks: Map<string, LoadedKey[]> }, keyId: string): number[] | null {
    if (keyId.startsWith(TRANSIT_PREFIX)) return null;
    const mapped = (index.keks.get(keyId) ?? []).map((k) => this.kekTable.get(k) ?? -1);
    return mapped.length > 0 && mapped.every((x) => x >= 0) ? mapped : null;
  }

  batchRunner(threads: number): Promise<BatchRunner | null> {
    this.runnerMade ??= this.makeRunner(threads);
    return this.runnerMade;
  }

  private async makeRunner(threads: number): Promise<BatchRunner | null> {
    if (threads < 1) return null;
    const kit = await this.kernels();
    if (!kit || this.disposed) return null;
    const { index } = await this.keys.load();
    const spec: BatchSpec = { targetKeyId: this.targetKeyId, target: this.targetIdx, candidates: new Map() };
    for (const id of index.keks.keys()) {
      const c = this.candidates(index, id);
      if (c) spec.candidates.set(id, c);
    }
    try {
      this.workers = new RewrapWorkers(kit.keks, spec, threads);
    } catch (err) {
      this.workerFailure ??= `the rewrap worker could not start (${(err as Error).message})`;
      return null;
    }
    const workers = this.workers;
    return {
      width: workers.width,
      run: async (lines, mode) => {
        let r;
        try {
          r = await workers.run(lines, mode);
        } catch (err) {
          this.workerFailure ??= `the rewrap worker failed (${(err as Error).message})`;
          return null;
        }
        if (!r.done) {
          if (r.error) this.workerFailure ??= `the rewrap worker failed on a batch (${r.error})`;
          return null;
        }
        const from: Record<string, number> = {};
        r.from.forEach((count, k) => {
          const label = this.kekList[k]?.info.label ?? `#${k}`;
          from[label] = (from[label] ?? 0) + count;
        });
        return { lines: r.lines, entries: r.entries, fields: r.fields, onTarget: r.onTarget, rewritten: r.rewritten, from, digests: Buffer.from(r.digests), out: r.out ? Buffer.from(r.out) : null };
      },
    };
  }

  /**
   * Runs the values the kernel can take (valid header, local KEKs only) through the in-thread
   * kernel. Returns the kernel's results by value index and the indices left for the regular code.
   * (Batches normally go whole to the worker threads, see batchRunner; this is the path of the batches
   * they hand back, of tail and salvage lines, and of a one-core machine.)
   */
  private async viaKernel(datas: EnvelopeValue[], verify: boolean, dryRun: boolean): Promise<{ results: Map<number, WorkerResult>; rest: number[] }> {
    const results = new Map<number, WorkerResult>();
    const kit = datas.length >= KERNEL_MIN ? await this.kernels() : null;
    if (!kit) return { results, rest: datas.map((_, i) => i) };
    const { index } = await this.keys.load();
    const rest: number[] = [];
    const mine: number[] = [];
    const items: WorkerItem[] = [];
    datas.forEach((d, i) => {
      let cands: number[] | null = null;
      try {
        checkEnvelopeHeader(d);
        if (verify) cands = d.key_id === this.targetKeyId ? [this.targetIdx] : null;
        else cands = this.candidates(index, d.key_id);
      } catch {
        cands = null;
      }
      if (!cands) {
        rest.push(i);
        return;
      }
      mine.push(i);
      items.push({ candidates: cands, dekWrapped: d.dek_wrapped, nonce: d.nonce, ciphertext: d.ciphertext });
    });
    const local = items.length ? kernelResults(kit.local.run(kernelRequest(0, items, { verify, wrap: !dryRun }))) : [];
    mine.forEach((i, n) => results.set(i, local[n]));
    return { results, rest };
  }

  async rewrite(lines: LineFields[], opts: { dryRun?: boolean; signal?: AbortSignal }): Promise<FieldPlan[][]> {
    const flat = lines.flatMap((l) => l.fields);
    const datas = flat.map((f) => (f.field as { data: EnvelopeValue }).data);
    const plans: FieldPlan[] = new Array(flat.length);
    const { results, rest } = await this.viaKernel(datas, false, !!opts.dryRun);
    const again = rest;
    for (const [i, r] of results) {
      const by = r.ok ? this.kekList[r.by] : undefined;
      if (!by) {
        again.push(i);
        continue;
      }
      const from = by.info.label;
      if (this.onTarget(datas[i], by)) plans[i] = { state: 'on-target', digest: Buffer.from(r.digest), from };
      else if (opts.dryRun) plans[i] = { state: 'rewritten', digest: Buffer.from(r.digest), from };
      else if (r.wrapped === null) again.push(i);
      else plans[i] = { state: 'rewritten', digest: Buffer.from(r.digest), from, newText: replaceEnvelopeKey(flat[i].text, datas[i], this.targetKeyId, r.wrapped) };
    }
    if (again.length) await this.planHere(flat, datas, again.sort((x, y) => x - y), plans, opts);
    if (opts.signal?.aborted) throw abortError();
    return regroup(lines, plans);
  }

  /** Plans the fields `idxs` on this thread (fills `plans[i]`). */
  private async planHere(flat: LocatedField[], datas: EnvelopeValue[], idxs: number[], plans: FieldPlan[], opts: { dryRun?: boolean; signal?: AbortSignal }): Promise<void> {
    if (!idxs.length) return;
    const deks = await this.deks(idxs.map((i) => datas[i]), false, opts.signal);
    const toWrap: number[] = [];
    idxs.forEach((i, n) => {
      const f = flat[i];
      const { dek, by, message } = deks[n];
      if (!dek) {
        plans[i] = { state: 'failed', digest: rawDigest(f), message: message ?? 'no DEK' };
        return;
      }
      let pt: Buffer;
      try {
        pt = openEnvelopeData(datas[i], dek);
      } catch (err) {
        dek.fill(0);
        deks[n].dek = null;
        plans[i] = { state: 'failed', digest: this.unreadableDigest(f, datas[i]), message: err instanceof AuthError ? 'the DEK unwrapped but the data failed authentication (tampered?)' : (err as Error).message };
        return;
      }
      const digest = this.dekDigests ? this.dekDigest(datas[i], dek) : this.contentDigest(datas[i], pt);
      pt.fill(0);
      const from = by && 'info' in by ? by.info.label : by?.label;
      if (this.onTarget(datas[i], by)) {
        plans[i] = { state: 'on-target', digest, from };
        return;
      }
      plans[i] = { state: 'rewritten', digest, from };
      toWrap.push(n);
    });
    if (!opts.dryRun && toWrap.length > 0) {
      const wrapped = await this.wrap(toWrap.map((n) => ({ data: datas[idxs[n]], dek: deks[n].dek as Buffer })), opts.signal);
      toWrap.forEach((n, m) => {
        const i = idxs[n];
        const w = wrapped[m];
        if (typeof w !== 'string') {
          plans[i] = { state: 'failed', digest: rawDigest(flat[i]), message: w.error };
          return;
        }
        plans[i].newText = replaceEnvelopeKey(flat[i].text, datas[i], this.targetKeyId, w);
      });
    }
    for (const d of deks) d.dek?.fill(0);
  }

  private async wrap(items: Array<{ data: EnvelopeValue; dek: Buffer }>, signal?: AbortSignal): Promise<Array<string | { error: string }>> {
    if (this.target.material) return items.map((it) => this.wrapper.wrap(this.target.material as Buffer, it.dek));
    const engine = this.target.transit as TransitEngine;
    const out: Array<string | { error: string }> = new Array(items.length);
    const same = items.map((it, i) => ({ it, i })).filter((x) => x.it.data.key_id === this.targetKeyId);
    const other = items.map((it, i) => ({ it, i })).filter((x) => x.it.data.key_id !== this.targetKeyId);
    if (same.length) {
      const res = await engine.rewrapBatch(same.map((x) => x.it.data.dek_wrapped), signal);
      same.forEach((x, n) => (out[x.i] = res[n]?.ciphertext ?? { error: res[n]?.error ?? 'no rewrap result' }));
    }
    if (other.length) {
      const res = await engine.encryptBatch(other.map((x) => x.it.dek), signal);
      other.forEach((x, n) => (out[x.i] = res[n]?.ciphertext ?? { error: res[n]?.error ?? 'no encrypt result' }));
    }
    return out;
  }

  async digests(lines: LineFields[], signal?: AbortSignal): Promise<Buffer[][]> {
    const flat = lines.flatMap((l) => l.fields);
    const datas = flat.map((f) => (f.field as { data: EnvelopeValue }).data);
    const out: Buffer[] = new Array(flat.length);
    const { results, rest } = await this.viaKernel(datas, true, true);
    const again = rest;
    for (const [i, r] of results) {
      if (r.ok && r.by === this.targetIdx) out[i] = Buffer.from(r.digest);
      else again.push(i);
    }
    await this.digestsHere(flat, datas, again.sort((x, y) => x - y), out, signal);
    return regroup(lines, out);
  }

  private async digestsHere(flat: LocatedField[], datas: EnvelopeValue[], idxs: number[], out: Buffer[], signal?: AbortSignal): Promise<void> {
    if (!idxs.length) return;
    const deks = await this.deks(idxs.map((i) => datas[i]), true, signal);
    idxs.forEach((i, n) => {
      const f = flat[i];
      const dek = deks[n].dek;
      if (!dek) {
        out[i] = rawDigest(f);
        return;
      }
      try {
        if (this.dekDigests) {
          checkEnvelopeHeader(datas[i]);
          out[i] = this.dekDigest(datas[i], dek);
          return;
        }
        const pt = openEnvelopeData(datas[i], dek);
        out[i] = this.contentDigest(datas[i], pt);
        pt.fill(0);
      } catch {
        out[i] = rawDigest(f);
      } finally {
        dek.fill(0);
      }
    });
  }

  dispose(): void {
    this.disposed = true;
    this.kitMade = Promise.resolve(null);
    this.runnerMade = Promise.resolve(null);
    this.workers?.dispose();
    this.workers = null;
    this.kit?.local.dispose();
    this.kit = null;
    this.kekTable.clear();
    this.kekList = [];
  }

}

// ------------------------------------------------------------------ transit JSON lines

class TransitRewriter implements Rewriter {
  constructor(
    private readonly keys: RotationKeys,
    readonly target: LoadedKey,
  ) {}

  private get engine(): TransitEngine {
    return this.target.transit as TransitEngine;
  }

  async rewrite(lines: LineFields[], opts: { dryRun?: boolean; signal?: AbortSignal }): Promise<FieldPlan[][]> {
    const flat = lines.flatMap((l) => l.fields);
    const cts = flat.map((f) => (f.field.kind === 'transit' ? f.field.ciphertext : ''));
    const dec = cts.length ? await this.engine.decryptBatch(cts, opts.signal) : [];
    const plans: FieldPlan[] = flat.map((f, i) => {
      const r = dec[i];
      if (!r?.plaintext) return { state: 'failed', digest: rawDigest(f), message: r?.error ?? 'not decrypted' };
      const digest = sha('T', r.plaintext);
      r.plaintext.fill(0);
      const from = `${this.target.info.sourceRef}@v${transitCiphertextVersion(cts[i])}`;
      return { state: transitCiphertextVersion(cts[i]) === this.target.info.order ? 'on-target' : 'rewritten', digest, from };
    });
    const todo = plans.map((p, i) => (p.state === 'rewritten' ? i : -1)).filter((i) => i >= 0);
    if (!opts.dryRun && todo.length) {
      const res = await this.engine.rewrapBatch(todo.map((i) => cts[i]), opts.signal);
      todo.forEach((i, n) => {
        const c = res[n]?.ciphertext;
        if (c) plans[i].newText = JSON.stringify(c);
        else plans[i] = { state: 'failed', digest: rawDigest(flat[i]), message: res[n]?.error ?? 'no rewrap result' };
      });
    }
    void this.keys;
    return regroup(lines, plans);
  }

  async digests(lines: LineFields[], signal?: AbortSignal): Promise<Buffer[][]> {
    const flat = lines.flatMap((l) => l.fields);
    const cts = flat.map((f) => (f.field.kind === 'transit' ? f.field.ciphertext : ''));
    const dec = cts.length ? await this.engine.decryptBatch(cts, signal) : [];
    const out = flat.map((f, i) => {
      const pt = dec[i]?.plaintext;
      if (!pt) return rawDigest(f);
      const d = sha('T', pt);
      pt.fill(0);
      return d;
    });
    return regroup(lines, out);
  }

  dispose(): void {}
}

