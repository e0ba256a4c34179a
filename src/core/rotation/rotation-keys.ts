import { Argon2Pool, defaultPoolSize, type Argon2Deriver } from '../crypto';
import { buildKeyIndex, type KeyIndex } from '../keys/key-index';
import { parseKeyRef } from '../keys/key-ref';
import { settleSources } from '../keys/load-sources';
import { KeyResolver } from '../keys/resolver';
import { createKeySource, type SourceFactoryOptions } from '../keys/sources';
import { KeySourceError, type AuditEvent, type AuditSink, type KeySource, type LoadedKey } from '../keys/types';
import type { VaultOptions } from '../keys/vault-client';

export interface RotationKeysOptions {
  vault?: VaultOptions;
  audit?: AuditSink;
  /** Labels of retired versions (from the state file). */
  retired?: ReadonlySet<string>;
  env?: NodeJS.ProcessEnv;
  /** Argon2 deriver; default a worker pool of `poolSize` (default: cores). */
  deriver?: Argon2Deriver;
  poolSize?: number;
  keychainTimeoutMs?: number;
}

/**
 * The keys one rotation run works with: every configured source (decryption candidates) plus the
 * target source, a resolver over them (Symbiont trials, transit batching) and the raw loaded keys
 * (rewrap needs the DEK itself, which the resolver never hands out).
 */
export class RotationKeys {
  readonly sources: KeySource[];
  readonly resolver: KeyResolver;
  readonly deriver: Argon2Deriver;
  readonly poolSize: number;
  private readonly pool: Argon2Pool | undefined;
  private loaded: Promise<{ index: KeyIndex; errors: KeySourceError[]; perSource: LoadedKey[][] }> | undefined;

  constructor(
    readonly refs: string[],
    readonly options: RotationKeysOptions = {},
  ) {
    const unique = [...new Set(refs.map((r) => parseKeyRef(r).ref))];
    const opts: SourceFactoryOptions = { env: options.env };
    if (options.retired) opts.retired = options.retired;
    if (options.keychainTimeoutMs) opts.keychainTimeoutMs = options.keychainTimeoutMs;
    this.sources = unique.map((r) => createKeySource(r, options.vault ?? {}, opts));
    this.poolSize = options.poolSize ?? defaultPoolSize();
    if (options.deriver) this.deriver = options.deriver;
    else this.deriver = this.pool = new Argon2Pool(this.poolSize);
    this.resolver = new KeyResolver(this.sources, { deriver: this.deriver, audit: options.audit });
  }

  source(ref: string): KeySource {
    const norm = parseKeyRef(ref).ref;
    const s = this.sources.find((x) => x.ref === norm);
    if (!s) throw new KeySourceError(norm, 'not among the configured key sources');
    return s;
  }

  /** Every source's keys (one load per run); a failing source is an error listed, not a throw. */
  load(): Promise<{ index: KeyIndex; errors: KeySourceError[]; perSource: LoadedKey[][] }> {
    this.loaded ??= (async () => {
      const { perSource, errors } = await settleSources(this.sources, (s) => s.load());
      return { index: buildKeyIndex(perSource), errors, perSource };
    })();
    return this.loaded;
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
      this.options.audit?.({ time: new Date().toISOString(), ...event });
    } catch {
      // never let an audit sink break a rotation
    }
  }

  async dispose(): Promise<void> {
    this.resolver.clearCache();
    const l = this.loaded;
    this.loaded = undefined;
    if (l) {
      const { perSource } = await l.catch(() => ({ perSource: [] as LoadedKey[][] }));
      for (const k of perSource.flat()) k.material?.fill(0);
    }
    await this.pool?.close();
  }
}
