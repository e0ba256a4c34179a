import type { KeyVersionInfo } from '../model';
import { KeySourceError, type KeySource, type KeySourceOptions, type LoadedKey } from './types';
import { VaultClient, type VaultOptions } from './vault-client';
import { buildVersionInfos, type VersionDraft } from './versions';
import { valueVersion, loadedKeys, type ValueVersion } from './value-key';
import { metadataOf, type SourceMetadata } from './metadata';

export interface VaultKvOptions extends VaultOptions, KeySourceOptions {}

interface KvVersionMeta {
  created_time?: string;
  deletion_time?: string;
  destroyed?: boolean;
}

/**
 * `vault-kv:MOUNT/PATH[#FIELD]`: a KV v2 secret. Every version Vault still keeps is a key version
 * (`@v1`, `@v2`, ...), created times from the metadata; soft-deleted and destroyed versions are listed
 * as retired + unusable and never read. The newest live version is primary.
 */
export class VaultKvKeySource implements KeySource {
  readonly ref: string;
  private readonly vault: VaultClient;

  constructor(
    readonly mount: string,
    readonly path: string,
    readonly field: string,
    private readonly options: VaultKvOptions = {},
  ) {
    this.ref = `vault-kv:${mount}/${path}${field === 'value' ? '' : `#${field}`}`;
    this.vault = new VaultClient(this.ref, options);
  }

  private async versionMetadata(): Promise<Array<{ n: number; meta: KvVersionMeta }>> {
    const res = await this.vault.read(`${this.mount}/metadata/${this.path}`);
    const versions = (res.data?.versions ?? {}) as Record<string, KvVersionMeta>;
    const list = Object.entries(versions)
      .map(([n, meta]) => ({ n: Number(n), meta }))
      .filter((v) => Number.isInteger(v.n) && v.n > 0)
      .sort((a, b) => a.n - b.n);
    if (list.length === 0) throw new KeySourceError(this.ref, `no versions at ${this.mount}/${this.path}`, 'not-found');
    return list;
  }

  async list(): Promise<KeyVersionInfo[]> {
    const meta = await this.versionMetadata();
    // The kind of a version is only known from its value; the current one tells (one read).
    const current = [...meta].reverse().find((v) => !unusable(v.meta));
    let kind: VersionDraft['kind'] = 'symbiont';
    if (current) {
      const v = await this.readVersion(current.n);
      kind = v.draft.kind;
      v.material.fill(0);
    }
    const drafts = meta.map(({ n, meta: m }): VersionDraft => draft(n, m, kind));
    return buildVersionInfos(this.ref, drafts, { multiVersion: true, retired: this.options.retired });
  }

  /** `GET MOUNT/metadata/PATH` only: versions, created/deletion times, destroyed; no secret version is read. */
  async metadata(): Promise<SourceMetadata> {
    const drafts = (await this.versionMetadata()).map(({ n, meta: m }) => draft(n, m, 'symbiont'));
    return { versions: metadataOf(this.ref, drafts, { multiVersion: true, retired: this.options.retired }), readSecrets: false };
  }

  async load(): Promise<LoadedKey[]> {
    const meta = await this.versionMetadata();
    const live = meta.filter((v) => !unusable(v.meta));
    const values: ValueVersion[] = await Promise.all(live.map((v) => this.readVersion(v.n, v.meta)));
    if (values.length === 0) throw new KeySourceError(this.ref, 'every version is deleted or destroyed', 'not-found');
    return loadedKeys(this.ref, values, { multiVersion: true, retired: this.options.retired });
  }

  private async readVersion(n: number, meta?: KvVersionMeta): Promise<ValueVersion> {
    const res = await this.vault.read(`${this.mount}/data/${this.path}?version=${n}`);
    const data = (res.data?.data ?? {}) as Record<string, unknown>;
    const value = data[this.field];
    if (value === undefined) {
      const have = Object.keys(data).join(', ') || 'none';
      throw new KeySourceError(this.ref, `version ${n} has no field '${this.field}' (fields: ${have}); name it with #FIELD`, 'invalid');
    }
    if (typeof value !== 'string') throw new KeySourceError(this.ref, `field '${this.field}' of version ${n} is not a string`, 'invalid');
    const m = meta ?? ((res.data?.metadata ?? {}) as KvVersionMeta);
    const v = valueVersion(value, `v${n}`, n, m.created_time ? { createdTime: m.created_time } : {});
    return v;
  }
}

function unusable(meta: KvVersionMeta): 'deleted' | 'destroyed' | undefined {
  if (meta.destroyed) return 'destroyed';
  if (meta.deletion_time) return 'deleted';
  return undefined;
}

function draft(n: number, meta: KvVersionMeta, kind: VersionDraft['kind']): VersionDraft {
  const d: VersionDraft = { version: `v${n}`, kind, order: n };
  if (meta.created_time) d.createdTime = meta.created_time;
  const u = unusable(meta);
  if (u) d.unusable = u;
  return d;
}
