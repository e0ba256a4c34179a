import { availableParallelism } from 'node:os';
import type { Argon2Deriver } from '../crypto/argon2';
import type { EncryptedField, KeyVersionInfo, SymbiontEncryptedData } from '../model';
import { openEnvelopeFields, type EnvelopeItem } from './envelope-fields';
import { failure, success, type Settle } from './field-outcome';
import { buildKeyIndex, duplicateKekErrors, type KeyIndex } from './key-index';
import { settleSources } from './load-sources';
import type { KeyVersionMeta } from './metadata';
import { SymbiontTrials } from './symbiont-trials';
import { openTransitFields, type TransitItem } from './transit-fields';
import { KeySourceError, type AuditSink, type FieldOpener, type FieldResult, type KeySource, type LoadedKey } from './types';

export interface KeyResolverDeps {
  deriver: Argon2Deriver;
  audit?: AuditSink;
  /** Symbiont fields tried at once (each trial is one Argon2 run in the deriver's pool). Default: cores, at least 2. */
  concurrency?: number;
  now?: () => Date;
  /**
   * Symbiont key trials per entry (request and response together), each an Argon2 run. Default:
   * the number of Symbiont keys (at most MAX_DEFAULT_TRIALS) + 1 — every key for the request, then
   * the request's key for the response. An entry stopped by the cap fails with 'trial-cap'.
   */
  maxTrialsPerEntry?: number;
}

export const MAX_DEFAULT_TRIALS = 16;

type SymbiontItem = { i: number; data: SymbiontEncryptedData };

export interface LoadedKeys {
  index: KeyIndex;
  errors: KeySourceError[];
  /** Every source's keys, in the order of `sources` (empty for a source that failed). */
  perSource: LoadedKey[][];
}

interface Loaded extends LoadedKeys {
  /** The sources' own load errors (without the duplicate-KEK findings, which a fork recomputes). */
  sourceErrors: KeySourceError[];
}

/**
 * The one resolver behind the editor, the tree, the CLI and rotation. Loads every source lazily, once,
 * and keeps key material in memory only until clearCache(). One failing source never stops the others;
 * its error is reported (versions().errors, 'key-source-error' audit events, field messages).
 */
export class KeyResolver implements FieldOpener {
  private loaded: Promise<Loaded> | undefined;
  /** Set on a fork: the resolver whose loaded keys it copies instead of loading them again. */
  private parent: KeyResolver | undefined;
  private readonly trials: SymbiontTrials;
  private readonly accessed = new Set<string>();
  private readonly concurrency: number;

  constructor(
    readonly sources: KeySource[],
    private readonly deps: KeyResolverDeps,
  ) {
    this.trials = new SymbiontTrials(deps.deriver);
    this.concurrency = Math.max(1, deps.concurrency ?? Math.max(2, availableParallelism()));
  }

  /**
   * A resolver over these sources plus `extra`, on the same Argon2 deriver, whose keys are a copy of
   * this one's (loaded once, by whichever loads first) plus the extra sources' own: a snapshot for
   * rotation. Clearing either cache never wipes the other's material, so a window that clears its
   * key cache (or is replaced by a settings change) cannot pull a key out from under a running
   * rewrap. The fork's material is wiped by its own clearCache().
   */
  fork(extra: KeySource[], deps: Partial<KeyResolverDeps> = {}): KeyResolver {
    const child = new KeyResolver([...this.sources, ...extra], { ...this.deps, ...deps });
    child.parent = this;
    return child;
  }

  /** Metadata of every version of every source (sources in configured order, each oldest first). */
  async versions(): Promise<{ keys: KeyVersionInfo[]; errors: KeySourceError[] }> {
    const { perSource, errors } = await settleSources(this.sources, (s) => s.list());
    const keys = perSource.flat();
    errors.push(...duplicateKekErrors(keys));
    for (const e of errors) this.audit('key-source-error', e.ref, undefined, e.message, e);
    return { keys, errors };
  }

  /**
   * Versions, roles and ages without reading key material where the source allows it (see
   * KeySource.metadata). A source that had to read its values to list them is audited as a key access.
   */
  async metadata(): Promise<{ keys: KeyVersionMeta[]; errors: KeySourceError[] }> {
    const { perSource, errors } = await settleSources(this.sources, async (s) => {
      const m = await s.metadata();
      if (m.readSecrets) this.audit('key-access', s.ref, undefined, 'read to list its versions (this keychain cannot list without reading); not kept');
      return m.versions;
    });
    for (const e of errors) this.audit('key-source-error', e.ref, undefined, e.message, e);
    return { keys: perSource.flat(), errors };
  }

  /** Errors of the last load (empty before the first openFields). */
  async loadErrors(): Promise<KeySourceError[]> {
    return this.loaded ? (await this.loaded).errors : [];
  }

  /** Drops every loaded key (material zero-filled), what was learnt about which key opens what, and load errors. */
  clearCache(): void {
    const previous = this.loaded;
    this.loaded = undefined;
    this.trials.reset();
    this.accessed.clear();
    previous?.then(
      (l) => {
        for (const k of l.perSource.flat()) k.material?.fill(0);
      },
      () => undefined,
    );
    this.audit('cache-cleared');
  }

  async openFields(fields: EncryptedField[], signal?: AbortSignal, entries?: readonly number[]): Promise<FieldResult[]> {
    const results: Array<FieldResult | undefined> = new Array(fields.length);
    const settle: Settle = (i, r) => {
      if (results[i]) return;
      results[i] = r;
      if (r.ok) this.noteAccess(r.key);
    };
    const cancelledAll = (): FieldResult[] => fields.map((_, i) => results[i] ?? failure('cancelled', 'cancelled'));
    if (signal?.aborted) return cancelledAll();
    const { index, errors } = await this.load();
    if (signal?.aborted) return cancelledAll();

    const noKeyNote = errors.length ? ` (${errors.length} key source(s) failed: ${errors.map((e) => e.message).join('; ')})` : '';
    const envelopes: EnvelopeItem[] = [];
    const transits: TransitItem[] = [];
    const symbionts: SymbiontItem[][] = []; // grouped by entry
    fields.forEach((f, i) => {
      if (f.kind === 'envelope') envelopes.push({ i, data: f.data });
      else if (f.kind === 'transit') transits.push({ i, ciphertext: f.ciphertext });
      else {
        const last = symbionts[symbionts.length - 1];
        const sameEntry = entries !== undefined && last !== undefined && entries[last[last.length - 1]!.i] === entries[i];
        if (sameEntry) last.push({ i, data: f.data });
        else symbionts.push([{ i, data: f.data }]);
      }
    });

    await Promise.all([
      openEnvelopeFields(envelopes, index, settle, noKeyNote, signal),
      openTransitFields(transits, index, settle, noKeyNote, signal),
      this.openSymbiontFields(symbionts, index.symbiont, settle, errors, noKeyNote, signal),
    ]);
    return cancelledAll();
  }

  /**
   * Trials run in file order, one entry's fields one after the other (sharing the entry's trial
   * budget; the response starts with the request's key): one entry at a time until some key has
   * worked (so every later entry starts with the right guess), then `concurrency` entries at once.
   */
  private async openSymbiontFields(
    groups: SymbiontItem[][],
    keys: LoadedKey[],
    settle: Settle,
    errors: KeySourceError[],
    noKeyNote: string,
    signal?: AbortSignal,
  ): Promise<void> {
    if (groups.length === 0) return;
    if (keys.length === 0) {
      const r = errors.length
        ? failure('source-error', `no Symbiont key could be loaded: ${errors.map((e) => e.message).join('; ')}`)
        : failure('no-key', 'no Symbiont key is configured');
      for (const g of groups) for (const item of g) settle(item.i, r);
      return;
    }
    const cap = this.deps.maxTrialsPerEntry ?? Math.min(keys.length, MAX_DEFAULT_TRIALS) + 1;
    let next = 0;
    const openEntry = async (group: SymbiontItem[]): Promise<void> => {
      let left = cap;
      let prefer: string | undefined;
      for (const item of group) {
        try {
          const out = await this.trials.open(item.data, keys, signal, { maxTrials: left, prefer });
          left -= out.trials;
          if (out.ok) {
            prefer = out.key.info.label;
            settle(item.i, success(out.plaintext, out.key.info));
          } else if (out.reason === 'trial-cap') {
            const message = `stopped at the cap of ${cap} key trials for this entry, before all ${keys.length} Symbiont keys were tried (--max-trials raises it)`;
            settle(item.i, failure('trial-cap', message + noKeyNote));
          } else settle(item.i, failure(out.reason, out.reason === 'wrong-key' ? out.message + noKeyNote : out.message));
        } catch (err) {
          settle(item.i, signal?.aborted ? failure('cancelled', 'cancelled') : failure('corrupt', (err as Error).message));
        }
      }
    };
    while (next < groups.length && !this.trials.hint && !signal?.aborted) await openEntry(groups[next++]!);
    const worker = async (): Promise<void> => {
      while (next < groups.length && !signal?.aborted) await openEntry(groups[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, groups.length - next) }, worker));
  }

  /**
   * Every source's keys with their material, loaded once until clearCache(): for rotation, which
   * needs the raw keys (a rewrap re-wraps the DEK itself). A failing source is an error listed.
   */
  load(): Promise<Loaded> {
    this.loaded ??= (async () => {
      const { perSource, errors: sourceErrors } = this.parent ? await this.loadForked(this.parent) : await settleSources(this.sources, (s) => s.load());
      const errors = [...sourceErrors];
      errors.push(...duplicateKekErrors(perSource.flat().map((k) => k.info)));
      for (const e of errors) this.audit('key-source-error', e.ref, undefined, e.message, e);
      return { index: buildKeyIndex(perSource), errors, perSource, sourceErrors };
    })();
    return this.loaded;
  }

  private async loadForked(parent: KeyResolver): Promise<{ perSource: LoadedKey[][]; errors: KeySourceError[] }> {
    const own = this.sources.slice(parent.sources.length);
    // The copy is taken in the same callback that sees the parent's keys: a clearCache() of the
    // parent, called at any time, wipes its keys only after this callback has run.
    const [inherited, extra] = await Promise.all([
      parent.load().then((l) => ({
        perSource: l.perSource.map((keys) => keys.map((k) => ({ ...k, ...(k.material ? { material: Buffer.from(k.material) } : {}) }))),
        errors: l.sourceErrors,
      })),
      settleSources(own, (s) => s.load()),
    ]);
    return { perSource: [...inherited.perSource, ...extra.perSource], errors: [...inherited.errors, ...extra.errors] };
  }

  private noteAccess(key: KeyVersionInfo): void {
    if (this.accessed.has(key.label)) return;
    this.accessed.add(key.label);
    this.audit('key-access', key.sourceRef, key.version);
  }

  private audit(action: 'key-access' | 'key-source-error' | 'cache-cleared', source?: string, version?: string, detail?: string, error?: KeySourceError): void {
    if (!this.deps.audit) return;
    const event: Parameters<AuditSink>[0] = { time: (this.deps.now?.() ?? new Date()).toISOString(), action };
    if (source !== undefined) event.source = source;
    if (version !== undefined) event.version = version;
    if (detail !== undefined) event.detail = detail;
    if (error) event.code = error.code;
    if (error?.status !== undefined) event.status = error.status;
    try {
      this.deps.audit(event);
    } catch {
      // an audit sink failure must not break decryption
    }
  }
}

