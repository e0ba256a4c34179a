import type { Argon2Deriver } from './crypto/argon2';
import { Argon2Pool, defaultPoolSize } from './crypto/argon2-pool';
import { parseKeyRef } from './keys/key-ref';
import { buildLineages, type KeyLineage, type LineageOverride } from './keys/lineage';
import type { KeyVersionMeta } from './keys/metadata';
import { KeyResolver } from './keys/resolver';
import { createKeySources, type SourceFactoryOptions, type VaultOptions } from './keys/sources';
import type { AuditSink, KeySourceError } from './keys/types';
import type { KeyVersionInfo } from './model';
import { LogSession, type SessionOpenOptions } from './log-session';
import { RotationKeys } from './rotation/rotation-keys';

export interface EngineOptions {
  /** Key refs (`env:`, `file:`, `keychain:`, `keyring:`, `vault-kv:`, `vault-transit:`); never key material. */
  keyRefs: string[];
  vault?: VaultOptions;
  audit?: AuditSink;
  /** Argon2 worker threads; defaults to the number of cores. */
  poolSize?: number;
  /** An Argon2 deriver instead of the worker pool (tests: inlineDeriver()). */
  deriver?: Argon2Deriver;
  /**
   * Labels of retired versions (none by default). The callers read them from rotation's state file
   * (retiredLabelsOrNone), so every view shows the same roles; the engine itself knows no state file.
   */
  retired?: ReadonlySet<string>;
  /** Explicit lineages for setups no grouping rule covers (`lineages` in `.enclog.json` / settings). */
  lineages?: LineageOverride[];
  env?: NodeJS.ProcessEnv;
  keychainTimeoutMs?: number;
  /** Symbiont key trials per entry (see KeyResolverDeps.maxTrialsPerEntry). */
  maxTrialsPerEntry?: number;
}

export interface LineageSnapshot {
  lineages: KeyLineage[];
  /** Problems of the grouping itself (an override naming nothing, ...). */
  warnings: string[];
  errors: KeySourceError[];
}

const uniqueRefs = (refs: string[]): string[] => [...new Set(refs.map((r) => parseKeyRef(r).ref))];

/**
 * One per window or CLI run: owns the Argon2 worker pool and the one KeyResolver that the editor,
 * the tree, the CLI and rotation share. Rotation borrows them through rotationKeys(): a lease on a
 * snapshot of the resolver; disposing the engine while a lease is out (the window's settings
 * changed mid-rotation) closes its sessions at once and its pool when the last lease is returned.
 */
export class Engine {
  readonly pool: Argon2Pool | undefined;
  readonly deriver: Argon2Deriver;
  readonly poolSize: number;
  readonly resolver: KeyResolver;
  private readonly sessions = new Set<LogSession>();
  private readonly sourceOptions: SourceFactoryOptions;
  private leases = 0;
  private disposed = false;
  private shutDown: Promise<void> | undefined;

  constructor(readonly options: EngineOptions) {
    this.poolSize = options.poolSize ?? defaultPoolSize();
    this.pool = options.deriver ? undefined : new Argon2Pool(this.poolSize);
    this.deriver = options.deriver ?? (this.pool as Argon2Pool);
    this.sourceOptions = { retired: options.retired ?? new Set(), env: options.env, ...(options.keychainTimeoutMs ? { keychainTimeoutMs: options.keychainTimeoutMs } : {}) };
    // Twice the workers in flight: each worker finds its next job queued the moment it finishes,
    // instead of idling while the main thread settles the last one and starts the next trial.
    this.resolver = new KeyResolver(createKeySources(uniqueRefs(options.keyRefs), options.vault ?? {}, this.sourceOptions), {
      deriver: this.deriver,
      audit: options.audit,
      concurrency: Math.max(2, 2 * this.poolSize),
      maxTrialsPerEntry: options.maxTrialsPerEntry,
    });
  }

  /** `{ progressive: true }`: resolve after the first chunk is indexed, index the rest in the background. */
  async open(path: string, opts: SessionOpenOptions = {}): Promise<LogSession> {
    const session = await LogSession.open(path, this.resolver, () => this.sessions.delete(session), opts);
    this.sessions.add(session);
    if (session.format === 'symbiont') this.pool?.warm(); // every field will cost an Argon2 run
    return session;
  }

  /**
   * The keys for one rotation run: a fork of the engine's resolver (its loaded keys copied, not
   * loaded again) plus the sources of `extraRefs` that the engine does not have (a target named on
   * the command line), on the engine's Argon2 pool. `vault`: Vault options for those extra sources.
   * Return it with RotationKeys.dispose(), which wipes the fork's copies of the keys
   * (`disposeEngineOnRelease`: and disposes this engine, for an engine made for one run).
   */
  rotationKeys(extraRefs: string[] = [], opts: { vault?: VaultOptions; disposeEngineOnRelease?: boolean } = {}): RotationKeys {
    if (this.disposed) throw new Error('the engine was disposed');
    const known = new Set(this.resolver.sources.map((s) => s.ref));
    const extra = uniqueRefs(extraRefs).filter((r) => !known.has(r));
    const resolver = this.resolver.fork(createKeySources(extra, opts.vault ?? this.options.vault ?? {}, this.sourceOptions));
    this.leases++;
    return new RotationKeys({
      resolver,
      deriver: this.deriver,
      poolSize: this.poolSize,
      audit: this.options.audit,
      release: async () => {
        resolver.clearCache();
        this.leases--;
        if (opts.disposeEngineOnRelease) await this.dispose();
        else if (this.leases === 0 && this.disposed) await this.shutdown();
      },
    });
  }

  versions(): Promise<{ keys: KeyVersionInfo[]; errors: KeySourceError[] }> {
    return this.resolver.versions();
  }

  /** Versions, roles and ages without key material where each source allows (the rotation-age status). */
  metadata(): Promise<{ keys: KeyVersionMeta[]; errors: KeySourceError[] }> {
    return this.resolver.metadata();
  }

  /** Every configured key version grouped into lineages (kinds and KEK ids read from the values where only they say). */
  async lineages(): Promise<LineageSnapshot> {
    const { keys, errors } = await this.versions();
    return { ...buildLineages(keys, this.options.lineages ?? []), errors };
  }

  clearKeyCache(): void {
    this.resolver.clearCache();
  }

  /** Closes the sessions; the keys and the pool go now, or when the last rotation lease is returned. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all([...this.sessions].map((s) => s.close()));
    this.resolver.clearCache();
    if (this.leases === 0) await this.shutdown();
  }

  private shutdown(): Promise<void> {
    if (!this.shutDown) this.resolver.clearCache(); // keys a late fork loaded through it
    this.shutDown ??= this.pool ? this.pool.close() : Promise.resolve();
    return this.shutDown;
  }
}

export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

/**
 * Keys for a rotation run outside any window (the CLI, benches, tests): an engine of its own whose
 * pool and keys go when the keys are disposed.
 */
export function engineRotationKeys(options: EngineOptions): RotationKeys {
  return new Engine(options).rotationKeys([], { disposeEngineOnRelease: true });
}
