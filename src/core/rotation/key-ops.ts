/**
 * Key-version operations of rotation, each audited (never with key material): new version, retire
 * (soft, reversible; refused while the census of the known logs shows values on it unless forced),
 * unretire, purge (irreversible; only a retired version, only with explicit confirmation).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseKeyRef } from '../keys/key-ref';
import { buildLineages, lineageOf, type LineageOverride } from '../keys/lineage';
import { rotatableFor, type NewVersionResult, type RotatableOptions } from '../keys/rotatable';
import type { KeyVersionInfo } from '../model';
import { KeySourceError, type ListedKeyVersion } from '../keys/types';
import { censusFiles, type CensusOptions, type FileCensus } from './census';
import type { RotationKeys } from './rotation-keys';
import type { StateStore } from './state';

export async function createKeyVersion(
  ref: string,
  keys: RotationKeys,
  opts: RotatableOptions & { kind?: 'kek' | 'symbiont'; lineages?: LineageOverride[] } = {},
): Promise<NewVersionResult> {
  const { lineageKeyIds, takenKeyIds } = await keyIdsAround(ref, keys, opts.lineages ?? []);
  const r = await rotatableFor(ref, opts).createVersion({ ...(opts.kind ? { kind: opts.kind } : {}), lineageKeyIds, takenKeyIds });
  keys.audit({ action: 'rotation', source: r.ref, version: r.version, detail: `new key version (${r.kind}${r.keyId ? `, key id ${r.keyId}` : ''})${r.operatorValue ? '; value handed to the operator, not stored' : ''}` });
  return r;
}

/**
 * KEK ids of every version in the lineage of `ref`'s versions (the new id continues them) and of every configured
 * version (the new id is none of them). None when listing fails: the source's own ids still apply.
 */
async function keyIdsAround(ref: string, keys: RotationKeys, overrides: LineageOverride[]): Promise<{ lineageKeyIds: string[]; takenKeyIds: string[] }> {
  const kekIds = (vs: readonly KeyVersionInfo[]): string[] => vs.flatMap((v) => (v.kind === 'kek' && v.keyId ? [v.keyId] : []));
  try {
    const { keys: versions } = await keys.resolver.versions();
    const own = versions.find((v) => v.sourceRef === ref);
    const lineage = own ? lineageOf(buildLineages(versions, overrides).lineages, own.label) : undefined;
    return { lineageKeyIds: kekIds((lineage?.versions ?? []).map((v) => v.info)), takenKeyIds: kekIds(versions) };
  } catch {
    return { lineageKeyIds: [], takenKeyIds: [] };
  }
}

export interface RetireRequest {
  ref: string;
  version: string;
  /** Logs to census besides the known ones (state file). */
  files?: string[];
  force?: boolean;
  census?: CensusOptions;
}

export interface RetireOutcome {
  status: 'retired' | 'unretired' | 'purged' | 'refused';
  label: string;
  message: string;
  /** Values still on the version(s), per file, when refused (or forced). */
  inUse: Array<{ path: string; values: number }>;
  census: FileCensus[];
}

async function findVersion(keys: RotationKeys, ref: string, version: string): Promise<{ info: ListedKeyVersion; versions: number } | null> {
  const src = keys.source(ref);
  const infos = (await src.list()) as ListedKeyVersion[];
  const want = version.trim();
  const info = infos.find((i) => i.version === want || i.label === want || i.version === `v${want}` || i.keyId === want);
  return info ? { info, versions: infos.length } : null;
}

/** Labels a retirement of `version` affects: transit's min_decryption_version retires every older version too. */
function affectedLabels(ref: string, version: string, label: string): { labels: (l: string) => boolean } {
  const r = parseKeyRef(ref);
  if (r.type !== 'vault-transit') return { labels: (l) => l === label };
  const n = Number(version.replace(/^v/, ''));
  return {
    labels: (l) => {
      const m = l.startsWith(`${r.ref}@v`) ? Number(l.slice(r.ref.length + 2)) : NaN;
      return Number.isInteger(m) && m <= n;
    },
  };
}

async function inUse(keys: RotationKeys, store: StateStore, req: RetireRequest, match: (l: string) => boolean): Promise<{ census: FileCensus[]; inUse: RetireOutcome['inUse'] }> {
  const files = [...new Set([...(req.files ?? []).map((f) => resolve(f)), ...store.read().knownLogs])].filter((f) => existsSync(f));
  const census = await censusFiles(files, keys, req.census);
  const used = census
    .map((c) => ({ path: c.path, values: Object.entries(c.fieldsByKey).filter(([l]) => match(l)).reduce((s, [, n]) => s + n, 0) }))
    .filter((u) => u.values > 0);
  const unreadable = census.filter((c) => c.error || c.fieldsByKey.unknown);
  if (unreadable.length && !req.force) {
    used.push(...unreadable.map((c) => ({ path: c.path, values: c.error ? -1 : (c.fieldsByKey.unknown ?? 0) })));
  }
  return { census, inUse: used };
}

export async function retireKeyVersion(req: RetireRequest, keys: RotationKeys, store: StateStore, opts: RotatableOptions = {}): Promise<RetireOutcome> {
  const found = await findVersion(keys, req.ref, req.version);
  if (!found) throw new KeySourceError(parseKeyRef(req.ref).ref, `no version '${req.version}' (see enclog keys list)`, 'not-found');
  const info = found.info;
  // A single-value source (env:, file:) is "primary" of itself only: the census decides whether it is still needed.
  if (info.role === 'primary' && found.versions > 1) throw new KeySourceError(info.sourceRef, `${info.label} is the primary version: create a new version and re-encrypt first`, 'invalid');
  const { labels } = affectedLabels(req.ref, info.version, info.label);
  const { census, inUse: used } = await inUse(keys, store, req, labels);
  if (used.length && !req.force) {
    const detail = used.map((u) => (u.values < 0 ? `${u.path}: unreadable` : `${u.path}: ${u.values} value(s)`)).join('; ');
    keys.audit({ action: 'retire', source: info.sourceRef, version: info.version, detail: `refused: still in use (${detail})` });
    return { status: 'refused', label: info.label, message: `refused: ${info.label} is still needed by ${detail}; re-encrypt those logs first (or --force)`, inUse: used, census };
  }
  const effect = await rotatableFor(req.ref, opts).retire(info.version);
  store.update((s) => {
    s.retired[info.label] = { sourceRef: info.sourceRef, version: info.version, at: new Date().toISOString(), effect };
  });
  keys.audit({ action: 'retire', source: info.sourceRef, version: info.version, detail: `retired (${effect})${used.length ? `; forced while in use: ${used.map((u) => `${u.path}=${u.values}`).join(', ')}` : ''}; census of ${census.length} log(s)` });
  return { status: 'retired', label: info.label, message: `${info.label} retired: ${effect}`, inUse: used, census };
}

export async function unretireKeyVersion(req: RetireRequest, keys: RotationKeys, store: StateStore, opts: RotatableOptions = {}): Promise<RetireOutcome> {
  const label = Object.keys(store.read().retired).find((l) => {
    const rec = store.read().retired[l];
    return parseKeyRef(rec.sourceRef).ref === parseKeyRef(req.ref).ref && (rec.version === req.version || rec.version === `v${req.version}` || l === req.version);
  });
  const rec = label ? store.read().retired[label] : undefined;
  if (!label || !rec) throw new KeySourceError(parseKeyRef(req.ref).ref, `version '${req.version}' is not marked retired`, 'not-found');
  if (rec.purged) throw new KeySourceError(rec.sourceRef, `${label} was purged on ${rec.purged}; it cannot come back`, 'invalid');
  const effect = await rotatableFor(req.ref, opts).unretire(rec.version);
  store.update((s) => void delete s.retired[label]);
  keys.audit({ action: 'retire', source: rec.sourceRef, version: rec.version, detail: `unretired (${effect})` });
  return { status: 'unretired', label, message: `${label} is decrypt-only again: ${effect}`, inUse: [], census: [] };
}

/** Irreversible. Only a version retired first; `confirmed` must be true (the second confirmation). */
export async function purgeKeyVersion(req: RetireRequest & { confirmed: boolean }, keys: RotationKeys, store: StateStore, opts: RotatableOptions = {}): Promise<RetireOutcome> {
  const ref = parseKeyRef(req.ref).ref;
  const entry = Object.entries(store.read().retired).find(([l, rec]) => rec.sourceRef === ref && (rec.version === req.version || rec.version === `v${req.version}` || l === req.version));
  if (!entry) throw new KeySourceError(ref, `version '${req.version}' is not retired: retire it first (two steps)`, 'invalid');
  const [label, rec] = entry;
  if (rec.purged) return { status: 'purged', label, message: `${label} was already purged on ${rec.purged}`, inUse: [], census: [] };
  if (!req.confirmed) throw new KeySourceError(ref, `purging ${label} is irreversible: confirm explicitly (--confirm)`, 'invalid');
  const { labels } = affectedLabels(req.ref, rec.version, label);
  const { census, inUse: used } = await inUse(keys, store, req, labels);
  if (used.length && !req.force) {
    const detail = used.map((u) => `${u.path}: ${u.values < 0 ? 'unreadable' : `${u.values} value(s)`}`).join('; ');
    keys.audit({ action: 'purge', source: rec.sourceRef, version: rec.version, detail: `refused: still in use (${detail})` });
    return { status: 'refused', label, message: `refused: ${label} is still needed by ${detail}`, inUse: used, census };
  }
  const effect = await rotatableFor(req.ref, opts).purge(rec.version);
  const at = new Date().toISOString();
  store.update((s) => {
    if (s.retired[label]) s.retired[label].purged = at;
  });
  keys.audit({ action: 'purge', source: rec.sourceRef, version: rec.version, detail: `purged (${effect})` });
  return { status: 'purged', label, message: `${label} purged: ${effect}`, inUse: used, census };
}
