import { Argon2Pool, defaultPoolSize } from './crypto';
import { buildLineages, type KeyLineage, type LineageOverride } from './keys/lineage';
import type { KeyVersionMeta } from './keys/metadata';
import { KeyResolver } from './keys/resolver';
import { createKeySources, type VaultOptions } from './keys/sources';
import type { AuditSink, KeySourceError } from './keys/types';
import type { KeyVersionInfo } from './model';
import { LogSession, type SessionOpenOptions } from './log-session';
import { StateStore } from './rotation/state';

export interface EngineOptions {
  /** Key refs (`env:`, `file:`, `keychain:`, `keyring:`, `vault-kv:`, `vault-transit:`); never key material. */
  keyRefs: string[];
  vault?: VaultOptions;
  audit?: AuditSink;
  /** Argon2 worker threads; defaults to the number of cores. */
  poolSize?: number;
  /** Labels of retired versions; defaults to rotation's state file, so every view shows the same roles. */
  retired?: ReadonlySet<string>;
  /** Explicit lineages for setups no grouping rule covers (`lineages` in `.enclog.json` / settings). */
  lineages?: LineageOverride[];
  /** Symbiont key trials per entry (see KeyResolverDeps.maxTrialsPerEntry). */
  maxTrialsPerEntry?: number;
}

export interface LineageSnapshot {
  lineages: KeyLineage[];
  /** Problems of the grouping itself (an override naming nothing, ...). */
  warnings: string[];
  errors: KeySourceError[];
}

function retiredFromStateFile(audit?: AuditSink): ReadonlySet<string> {
  try {
    return new StateStore().retiredLabels();
  } catch (err) {
    audit?.({ time: new Date().toISOString(), action: 'key-source-error', detail: `rotation state unreadable, no version shown as retired: ${(err as Error).message}` });
    return new Set();
  }
}

/**
 * One per window or CLI run: owns the Argon2 worker pool and the one KeyResolver that the editor,
 * the tree, the CLI and rotation share.
 */
export class Engine {
  readonly pool: Argon2Pool;
  readonly resolver: KeyResolver;
  private readonly sessions = new Set<LogSession>();

  constructor(readonly options: EngineOptions) {
    this.pool = new Argon2Pool(options.poolSize ?? defaultPoolSize());
    const retired = options.retired ?? retiredFromStateFile(options.audit);
    // Twice the workers in flight: each worker finds its next job queued the moment it finishes,
    // instead of idling while the main thread settles the last one and starts the next trial.
    this.resolver = new KeyResolver(createKeySources(options.keyRefs, options.vault ?? {}, { retired }), {
      deriver: this.pool,
      audit: options.audit,
      concurrency: Math.max(2, 2 * this.pool.size),
      maxTrialsPerEntry: options.maxTrialsPerEntry,
    });
  }

  /** `{ progressive: true }`: resolve after the first chunk is indexed, index the rest in the background. */
  async open(path: string, opts: SessionOpenOptions = {}): Promise<LogSession> {
    const session = await LogSession.open(path, this.resolver, () => this.sessions.delete(session), opts);
    this.sessions.add(session);
    if (session.format === 'symbiont') this.pool.warm(); // every field will cost an Argon2 run
    return session;
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

  async dispose(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.close()));
    this.resolver.clearCache();
    await this.pool.close();
  }
}

export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}
