import type { KeyVersionInfo } from '../model';
import { KeySourceError, type KeySource, type KeySourceOptions, type LoadedKey, type TransitEngine } from './types';
import { VaultClient, type VaultOptions } from './vault-client';
import { VaultTransitEngine } from './vault-transit-engine';
import { buildVersionInfos, type VersionDraft } from './versions';
import { metaOf, type SourceMetadata } from './metadata';

export interface VaultTransitOptions extends VaultOptions, KeySourceOptions {}

/**
 * `vault-transit:MOUNT/NAME`: a transit key. Its versions come from `GET MOUNT/keys/NAME` (creation
 * times only; key material never leaves Vault); versions below min_decryption_version are listed
 * as retired + unusable ('disallowed'). Every loaded version shares one batched TransitEngine.
 */
export class VaultTransitKeySource implements KeySource {
  readonly ref: string;
  readonly engine: TransitEngine;
  readonly keyId: string;
  private readonly vault: VaultClient;

  constructor(
    readonly mount: string,
    readonly name: string,
    private readonly options: VaultTransitOptions = {},
  ) {
    this.ref = `vault-transit:${mount}/${name}`;
    this.keyId = `vault-transit:${name}`;
    this.vault = new VaultClient(this.ref, options);
    this.engine = new VaultTransitEngine(this.vault, mount, name);
  }

  async list(): Promise<KeyVersionInfo[]> {
    const res = await this.vault.read(`${this.mount}/keys/${this.name}`);
    const data = res.data ?? {};
    const keys = (data.keys ?? {}) as Record<string, unknown>;
    const minDecrypt = Number(data.min_decryption_version ?? 1);
    const drafts = Object.entries(keys)
      .map(([n, created]): VersionDraft => {
        const order = Number(n);
        const d: VersionDraft = { version: `v${order}`, kind: 'transit', keyId: this.keyId, order };
        const time = creationTime(created);
        if (time) d.createdTime = time;
        if (order < minDecrypt) d.unusable = 'disallowed';
        return d;
      })
      .filter((d) => Number.isInteger(d.order) && d.order > 0);
    if (drafts.length === 0) throw new KeySourceError(this.ref, `transit key '${this.name}' has no versions`, 'not-found');
    return buildVersionInfos(this.ref, drafts, { multiVersion: true, retired: this.options.retired });
  }

  /** The transit listing is metadata already (key material never leaves Vault). */
  async metadata(): Promise<SourceMetadata> {
    return { versions: (await this.list()).map((info) => metaOf(info)), readSecrets: false };
  }

  async load(): Promise<LoadedKey[]> {
    return (await this.list()).map((info) => ({ info, transit: this.engine }));
  }
}

/** `keys` maps version -> unix seconds (symmetric keys) or an object with `creation_time` (asymmetric). */
function creationTime(v: unknown): string | undefined {
  if (typeof v === 'number') return new Date(v * 1000).toISOString();
  if (v && typeof v === 'object' && typeof (v as { creation_time?: unknown }).creation_time === 'string') {
    return (v as { creation_time: string }).creation_time;
  }
  return undefined;
}
