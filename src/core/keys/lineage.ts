import type { KeyKind, KeyRole, KeyVersionInfo } from '../model';

/**
 * Key lineage: the versions of one logical key, gathered across the sources they live in.
 *
 * An operator opens the key view to learn which version new data is written with and which are kept only
 * to read history. Sources rarely say that on their own: Everruns keeps `SECRETS_ENCRYPTION_KEY` and
 * `SECRETS_ENCRYPTION_KEY_PREVIOUS`, teams keep one file or variable per version (`kek-v1.key`,
 * `kek-v2.key`), KEKs carry ids like `kek-v3`. The rules below join such versions into one lineage:
 *   - versions of one multi-version source (keychain service accounts, Vault KV versions, transit versions);
 *   - KEK ids of one family (`kek-v1`, `kek-v2` → `kek`);
 *   - source names that differ only by a version suffix (`-v2`, `_2025`, `-2025-01`) or by `_PREVIOUS`;
 *   - an explicit override (`lineages` in `.enclog.json` or `encryptedLogs.keyLineages`) for anything else.
 * Exactly one version per lineage is primary: the newest usable one unless pinned; a tie or a second
 * pin is a warning, never a silent pick.
 */

export interface LineageOverride {
  /** The lineage's name as shown. */
  name: string;
  /** Members, oldest first: a version label (`vault-kv:secret/k@v3`), a source ref, or a KEK id. */
  versions: string[];
  /** Pins the primary (a member as above); default: the newest usable member. */
  primary?: string;
}

export type LineageRule = 'override' | 'key-id' | 'name' | 'source' | 'single';

export interface LineageVersion {
  /** The version as its source lists it (label, source, created time, key id). `info.role` is the source's own view. */
  info: KeyVersionInfo;
  /** The version within the lineage: `v2`, `2025`, `previous`, or the source's version label. */
  version: string;
  /** Role within the lineage. */
  role: KeyRole;
}

export interface KeyLineage {
  name: string;
  kind: KeyKind;
  /** The strongest rule that joined its versions (`single` when it has one version and no rule applied). */
  rule: LineageRule;
  /** Oldest first. */
  versions: LineageVersion[];
  /** Label of the primary version, when one is usable. */
  primary?: string;
  /** The primary was pinned by an override (whose word that is, the caller knows: `.enclog.json`, settings). */
  pinned?: boolean;
  warnings: string[];
}

const RULE_STRENGTH: Record<LineageRule, number> = { single: 0, name: 1, source: 2, 'key-id': 3, override: 4 };

/** `kek-v3`, `kek_v3`, `kekv3` → family `kek`, version 3. */
const KEY_ID_VERSION = /^(.*?[A-Za-z0-9])[-_.]?v(\d{1,9})$/i;
/** Suffixes that name a version in a file, variable or account name. */
const NAME_SUFFIX = /^(.*?[A-Za-z0-9])[-_.](v\d{1,9}|\d{4}(?:[-_.]?\d{2}){0,2}|previous|prev|old|current|new)$/i;

interface Candidate {
  info: KeyVersionInfo;
  /** Sort key within the lineage: larger is newer. */
  rank: number[];
  version: string;
  /** False for versions a source marks as never-primary (`*_PREVIOUS`). */
  primaryCapable: boolean;
  /** KEK id family match (`kek-v3` → `kek`, `3`), parsed once. */
  family: RegExpExecArray | null;
  stem: ReturnType<typeof sourceStem>;
}

/** Groups listed key versions into lineages. `versions` is every source's list, as `Engine.versions()` gives it. */
export function buildLineages(versions: readonly KeyVersionInfo[], overrides: readonly LineageOverride[] = []): { lineages: KeyLineage[]; warnings: string[] } {
  const warnings: string[] = [];
  const perSource = new Map<string, KeyVersionInfo[]>();
  for (const v of versions) {
    const list = perSource.get(v.sourceRef);
    if (list) list.push(v);
    else perSource.set(v.sourceRef, [v]);
  }
  const candidates = versions.map((info) => candidate(info, perSource.get(info.sourceRef)?.length ?? 1));
  const claimed = new Set<number>();
  const lineages: KeyLineage[] = [];

  for (const o of overrides) {
    const members: number[] = [];
    o.versions.forEach((ref, position) => {
      const hits = candidates.flatMap((c, i) => (!claimed.has(i) && matches(c.info, ref) ? [i] : []));
      if (!hits.length) warnings.push(`lineage "${o.name}": no configured key version matches "${ref}"`);
      for (const i of hits) {
        claimed.add(i);
        members.push(i);
        candidates[i].rank = [position, ...candidates[i].rank];
      }
    });
    if (!members.length) continue;
    const pinned = o.primary === undefined ? [] : members.filter((i) => matches(candidates[i].info, o.primary as string));
    if (o.primary !== undefined && !pinned.length) warnings.push(`lineage "${o.name}": the pinned primary "${o.primary}" is not one of its versions`);
    lineages.push(assemble(o.name, 'override', members.map((i) => candidates[i]), pinned.map((i) => candidates[i].info.label)));
  }

  const groups = new UnionFind(candidates.length);
  const strength = new Array<number>(candidates.length).fill(0);
  const byKey = new Map<string, number>();
  const link = (i: number, key: string, rule: LineageRule): void => {
    const j = byKey.get(key);
    if (j === undefined) byKey.set(key, i);
    else groups.union(i, j);
    strength[i] = Math.max(strength[i], RULE_STRENGTH[rule]);
  };
  const names = new Map<string, string>();
  const familyNames = new Map<string, string>();
  candidates.forEach((c, i) => {
    if (claimed.has(i)) return;
    const { info } = c;
    if ((perSource.get(info.sourceRef)?.length ?? 1) > 1) link(i, `source\0${info.sourceRef}`, 'source');
    const { family, stem } = c;
    if (family) link(i, `key-id\0${info.kind}\0${family[1]}`, 'key-id');
    if (stem) link(i, `name\0${info.kind}\0${stem.key}`, 'name');
    names.set(info.label, family?.[1] ?? stem?.name ?? info.sourceRef);
    if (family) familyNames.set(info.label, family[1]);
  });
  const members = new Map<number, number[]>();
  candidates.forEach((_, i) => {
    if (claimed.has(i)) return;
    const root = groups.find(i);
    const list = members.get(root);
    if (list) list.push(i);
    else members.set(root, [i]);
  });
  for (const list of members.values()) {
    const group = list.map((i) => candidates[i]);
    const best = Math.max(...list.map((i) => (list.length > 1 ? strength[i] : 0)));
    const rule = (Object.keys(RULE_STRENGTH) as LineageRule[]).find((r) => RULE_STRENGTH[r] === best) ?? 'single';
    const name = rule === 'single' ? (familyNames.get(group[0].info.label) ?? group[0].info.sourceRef) : lineageName(group, names, rule);
    lineages.push(assemble(name, rule, group, []));
  }
  lineages.sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
  return { lineages, warnings };
}

/** The lineage a version label belongs to. */
export function lineageOf(lineages: readonly KeyLineage[], label: string): KeyLineage | undefined {
  return lineages.find((l) => l.versions.some((v) => v.info.label === label));
}

/** Parses `lineages` from `.enclog.json` or the settings; throws Error with a readable message when malformed. */
export function parseLineageOverrides(raw: unknown, where: string): LineageOverride[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error(`${where}: "lineages" must be an array of {"name", "versions": [...], "primary"?}`);
  return raw.map((item, i) => {
    const o = item as { name?: unknown; versions?: unknown; primary?: unknown };
    if (typeof o?.name !== 'string' || !o.name.trim()) throw new Error(`${where}: lineages[${i}].name must be a non-empty string`);
    if (!Array.isArray(o.versions) || !o.versions.length || !o.versions.every((v) => typeof v === 'string' && v.trim())) {
      throw new Error(`${where}: lineages[${i}].versions must be a non-empty array of key refs, version labels or key ids`);
    }
    if (o.primary !== undefined && typeof o.primary !== 'string') throw new Error(`${where}: lineages[${i}].primary must be a string`);
    return { name: o.name.trim(), versions: (o.versions as string[]).map((v) => v.trim()), ...(typeof o.primary === 'string' ? { primary: o.primary.trim() } : {}) };
  });
}

function candidate(info: KeyVersionInfo, sourceSize: number): Candidate {
  const family = info.kind === 'kek' && info.keyId ? KEY_ID_VERSION.exec(info.keyId) : null;
  const stem = sourceStem(info.sourceRef);
  const suffix = stem?.suffix;
  const created = info.createdTime ? Date.parse(info.createdTime) || 0 : 0;
  // Newer is larger: a KEK id's vN, then a name suffix (years, vN; `previous` below the plain name), then the
  // source's own order (Vault versions, keychain accounts), then the created time.
  const rank = [family ? Number(family[2]) : -1, suffix ? suffixRank(suffix) : 0, info.order, created];
  const version = family ? `v${family[2]}` : suffix ? suffix.toLowerCase() : info.version;
  // A single-version source lists its only version as decrypt-only when its convention says so (`*_PREVIOUS`).
  const primaryCapable = info.role !== 'retired' && !(sourceSize === 1 && info.role === 'decrypt-only');
  return { info, rank, version, primaryCapable, family, stem };
}

function suffixRank(suffix: string): number {
  const s = suffix.toLowerCase();
  if (s === 'previous' || s === 'prev' || s === 'old') return -1;
  if (s === 'current' || s === 'new') return 0;
  const digits = s.replace(/^v/, '').replace(/[-_.]/g, '');
  return Number(digits) || 0;
}

/** `env:KEY_PREVIOUS` → KEY; `file:/k/kek-v2.key` → /k/kek; `keychain:svc/acct-v3` → svc/acct. Undefined where no name applies. */
function sourceStem(ref: string): { key: string; name: string; suffix?: string } | undefined {
  const colon = ref.indexOf(':');
  const scheme = ref.slice(0, colon);
  const rest = ref.slice(colon + 1);
  let dir = '';
  let base: string;
  if (scheme === 'env') base = rest;
  else if (scheme === 'file') {
    const slash = rest.lastIndexOf('/');
    dir = rest.slice(0, slash + 1);
    base = rest.slice(slash + 1).replace(/\.(key|txt|pem|b64|secret)$/i, '');
  } else if (scheme === 'keychain' || scheme === 'keyring') {
    const slash = rest.indexOf('/');
    if (slash < 0) return undefined;
    dir = rest.slice(0, slash + 1);
    base = rest.slice(slash + 1);
  } else return undefined;
  const m = NAME_SUFFIX.exec(base);
  const stem = m ? m[1] : base;
  return { key: `${scheme}:${dir}${stem}`, name: stem, ...(m ? { suffix: m[2] } : {}) };
}

function matches(info: KeyVersionInfo, ref: string): boolean {
  return info.label === ref || info.sourceRef === ref || info.keyId === ref;
}

function lineageName(group: Candidate[], names: Map<string, string>, rule: LineageRule): string {
  if (rule === 'source') return group[0].info.sourceRef;
  const counts = new Map<string, number>();
  for (const c of group) {
    const n = names.get(c.info.label) ?? c.info.sourceRef;
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function assemble(name: string, rule: LineageRule, group: Candidate[], pinned: string[]): KeyLineage {
  const sorted = [...group].sort((a, b) => compareRank(a.rank, b.rank) || a.info.label.localeCompare(b.info.label));
  const warnings: string[] = [];
  const kinds = new Set(sorted.map((c) => c.info.kind));
  if (kinds.size > 1) warnings.push(`mixes key kinds (${[...kinds].join(', ')}): check the lineage override`);
  const seenVersions = new Map<string, string>();
  for (const c of sorted) {
    const other = seenVersions.get(c.version);
    if (other && c.version !== 'current') warnings.push(`${other} and ${c.info.label} both claim version ${c.version}`);
    seenVersions.set(c.version, c.info.label);
  }
  let primary: Candidate | undefined;
  if (pinned.length > 1) warnings.push(`two versions claim to be primary (pinned): ${pinned.join(', ')}`);
  const pin = sorted.find((c) => c.info.label === pinned[0]);
  if (pin && pin.info.role === 'retired') warnings.push(`the pinned primary ${pin.info.label} is retired`);
  else if (pin) primary = pin;
  if (!primary) {
    const capable = sorted.filter((c) => c.primaryCapable);
    primary = capable[capable.length - 1];
    const runnerUp = capable[capable.length - 2];
    if (primary && runnerUp && compareRank(primary.rank.slice(0, 3), runnerUp.rank.slice(0, 3)) === 0) {
      warnings.push(`two versions claim to be primary: ${runnerUp.info.label} and ${primary.info.label} (nothing says which is newer; pin one in "lineages")`);
    }
  }
  if (!primary) warnings.push('no usable primary version: new data cannot be written with this key');
  const versions = sorted.map<LineageVersion>((c) => ({
    info: c.info,
    version: c.version,
    role: c.info.role === 'retired' ? 'retired' : c === primary ? 'primary' : 'decrypt-only',
  }));
  return { name, kind: sorted[0].info.kind, rule, versions, ...(primary ? { primary: primary.info.label } : {}), ...(primary && primary === pin ? { pinned: true } : {}), warnings };
}

class UnionFind {
  private readonly parent: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}
