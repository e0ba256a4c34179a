import type { Argon2Deriver } from '../crypto/argon2';
import type { KeyIndex } from '../keys/key-index';
import { parseKeyRef } from '../keys/key-ref';
import type { KeyResolver } from '../keys/resolver';
import { KeySourceError, type AuditEvent, type AuditSink, type KeySource, type LoadedKey } from '../keys/types';

/** What an Engine lends a rotation run (Engine.rotationKeys). */
export interface RotationLease {
  resolver: KeyResolver;
  deriver: Argon2Deriver;
  poolSize: number;
  audit?: AuditSink;
  /** Called once by dispose(): hands the engine's pool and resolver back. */
  release(): Promise<void>;
}

/**
 * The keys one rotation run works with, lent by an Engine: its resolver (every configured source
 * plus the target's, Symbiont trials, transit batching), its Argon2 pool, and the raw loaded keys
 * from that resolver (rewrap needs the DEK itself, which openFields never hands out). The engine
 * stays alive for the run even if it is replaced meanwhile (a settings change): the run keeps the
 * snapshot it started with.
 */
export class RotationKeys {
  readonly resolver: KeyResolver;
  readonly deriver: Argon2Deriver;
  readonly poolSize: number;
  private released = false;

  constructor(private readonly lease: RotationLease) {
    this.resolver = lease.resolver;
    this.deriver = lease.deriver;
    this.poolSize = lease.poolSize;
  }

  get sources(): KeySource[] {
    return this.resolver.sources;
  }

  source(ref: string): KeySource {
    const norm = parseKeyRef(ref).ref;
    const s = this.sources.find((x) => x.ref === norm);
    if (!s) throw new KeySourceError(norm, 'not among the configured key sources');
    return s;
  }

  /** Every source's keys (one load per resolver); a failing source is an error listed, not a throw. */
  load(): Promise<{ index: KeyIndex; errors: KeySourceError[]; perSource: LoadedKey[][] }> {
    if (this.released) return Promise.reject(new Error('rotation keys used after release'));
    return this.resolver.load();
  }

  /** The primary version of `ref` (the rotation target), with its material or transit engine. */
  async primary(ref: string): Promise<LoadedKey> {
    const src = this.source(ref);
    const { perSource, errors } = await this.load();
    const n = this.sources.indexOf(src);
    const err = errors.find((e) => e.ref === src.ref);
    if (err) throw err;
    const primary = perSource[n].find((k) => k.info.role === 'primary');
    if (!primary) throw new KeySourceError(src.ref, 'has no primary version (every version retired?)', 'invalid');
    return primary;
  }

  audit(event: Omit<AuditEvent, 'time'>): void {
    try {
      this.lease.audit?.({ time: new Date().toISOString(), ...event });
    } catch {
      // never let an audit sink break a rotation
    }
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.lease.release();
  }
}
