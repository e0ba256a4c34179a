/**
 * Write capabilities of key sources, used by rotation: create a new key version (which becomes the
 * source's primary), mark a version retired in the source's own terms, undo that, and purge it.
 * Metadata and operator instructions only ever come back; new key material is returned only where
 * the operator has to deploy it by hand (env:, file:), never stored in settings by this module.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { KeyKind } from '../model';
import { KeychainKeySource } from './keychain-source';
import { parseKeyRef, type KeyRef } from './key-ref';
import { deleteKeychainVersion, storeKeychainItem } from './keychain-store';
import type { KeytarApi } from './keytar-loader';
import { parseKeyValue } from './key-value';
import { KeySourceError } from './types';
import { VaultClient, type VaultOptions } from './vault-client';

export interface NewVersionResult {
  ref: string;
  /** Version label within the source (`v4`, an account name, a KEK id, `current`). */
  version: string;
  kind: KeyKind;
  /** The new KEK id (kind 'kek'). */
  keyId?: string;
  /** env:/file: only: the value the operator must deploy. Never logged or audited. */
  operatorValue?: string;
  /** What the operator still has to do, if anything. */
  instructions?: string;
}

export interface Rotatable {
  readonly ref: string;
  /** Creates a new version that becomes primary; older ones stay decrypt-only. */
  createVersion(opts?: NewVersionOptions): Promise<NewVersionResult>;
  /** Source-native soft retirement (reversible); returns what was done. */
  retire(version: string): Promise<string>;
  unretire(version: string): Promise<string>;
  /** Irreversible removal of the version's material where the source allows it; returns what was done. */
  purge(version: string): Promise<string>;
}

export interface NewVersionOptions {
  kind?: 'kek' | 'symbiont';
  /** KEK ids of the other versions of the key's lineage, so the new id continues the lineage (`kek-v3` after `kek-v2` elsewhere). */
  lineageKeyIds?: string[];
  /** KEK ids every configured key source holds: the new id is none of them (a repository-supplied key may hold the next id in line). */
  takenKeyIds?: string[];
}

export interface RotatableOptions {
  vault?: VaultOptions;
  env?: NodeJS.ProcessEnv;
  keytar?: KeytarApi;
  timeoutMs?: number;
}

/** 32 random bytes, standard base64: a Symbiont key string or a KEK body. */
export function randomKeyString(): string {
  return randomBytes(32).toString('base64');
}

/** `kek-v1` -> `kek-v2` (the highest number among ids with that stem, plus one); `app` -> `app-v2`. */
export function nextVersionName(existing: string[], fallbackStem: string, taken: readonly string[] = []): string {
  const used = (name: string): boolean => existing.includes(name) || taken.includes(name);
  const newest = existing[existing.length - 1];
  const m = newest ? /^(.*?)(\d+)$/.exec(newest) : null;
  if (newest && m) {
    const stem = m[1];
    let n = Math.max(...existing.map((e) => (e.startsWith(stem) && /^\d+$/.test(e.slice(stem.length)) ? Number(e.slice(stem.length)) : 0))) + 1;
    while (used(`${stem}${n}`)) n++;
    return `${stem}${n}`;
  }
  let name = newest ? `${newest}-v2` : `${fallbackStem}-v1`;
  while (used(name)) name += 'x';
  return name;
}

function trailingNumber(id: string): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : -1;
}

/**
 * Where the next version of a one-file-per-version key goes: `/k/kek-v2.key` → `/k/kek-v3.key` (the file names its
 * key id, or a `-vN` counter). Undefined when the name carries no version to continue.
 */
export function nextVersionPath(path: string, currentKeyId: string | undefined, newKeyId: string | undefined): string | undefined {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  if (currentKeyId && newKeyId && base.includes(currentKeyId)) return dir + base.replace(currentKeyId, newKeyId);
  const m = /^(.*[-_.]v)(\d+)(\.[^.]*)?$/i.exec(base);
  return m ? `${dir}${m[1]}${Number(m[2]) + 1}${m[3] ?? ''}` : undefined;
}

function newValue(kind: 'kek' | 'symbiont', keyIds: string[], taken: readonly string[] = []): { value: string; keyId?: string } {
  if (kind === 'symbiont') return { value: randomKeyString() };
  const keyId = nextVersionName(keyIds, 'kek', taken);
  return { value: `${keyId}:${randomKeyString()}`, keyId };
}

function versionNumber(ref: string, version: string): number {
  const n = Number(version.replace(/^v/, ''));
  if (!Number.isInteger(n) || n < 1) throw new KeySourceError(ref, `'${version}' is not a version number (expected e.g. v2)`, 'invalid');
  return n;
}

class KeychainRotatable implements Rotatable {
  constructor(
    readonly ref: string,
    private readonly r: Extract<KeyRef, { type: 'keychain' }>,
    private readonly opts: RotatableOptions,
  ) {}

  private get keychainOptions(): { env?: NodeJS.ProcessEnv; timeoutMs?: number; keytar?: KeytarApi } {
    return { env: this.opts.env, timeoutMs: this.opts.timeoutMs, keytar: this.opts.keytar };
  }

  async createVersion(o: NewVersionOptions = {}): Promise<NewVersionResult> {
    if (this.r.account !== undefined) {
      throw new KeySourceError(this.ref, `a single-account ref cannot hold versions; rotate keychain:${this.r.service} (every account is a version)`, 'invalid');
    }
    const src = new KeychainKeySource(this.r.service, undefined, this.keychainOptions);
    let keys: Awaited<ReturnType<KeychainKeySource['load']>> = [];
    try {
      keys = await src.load();
    } catch (err) {
      if (!(err instanceof KeySourceError && err.code === 'not-found')) throw err;
    }
    const kind = o.kind ?? (keys.length ? (keys[keys.length - 1].info.kind as 'kek' | 'symbiont') : undefined);
    for (const k of keys) k.material?.fill(0);
    if (!kind) throw new KeySourceError(this.ref, 'the service has no account yet: say which kind of key to create (--kind kek|symbiont)', 'invalid');
    const accounts = keys.map((k) => k.info.version);
    const account = nextVersionName(accounts, this.r.service);
    const { value, keyId } = newValue(kind, keys.map((k) => k.info.keyId ?? '').filter(Boolean), o.takenKeyIds);
    await storeKeychainItem(this.ref, this.r.service, account, value, this.keychainOptions);
    const result: NewVersionResult = { ref: this.ref, version: account, kind };
    if (keyId) result.keyId = keyId;
    return result;
  }

  async retire(): Promise<string> {
    return 'recorded in the enclog state file (the keychain has no retired flag)';
  }
  async unretire(): Promise<string> {
    return 'removed from the enclog state file';
  }
  async purge(version: string): Promise<string> {
    const deleted = await deleteKeychainVersion(this.ref, this.r.service, this.r.account ?? version, this.keychainOptions);
    if (!deleted) throw new KeySourceError(this.ref, `no keychain account '${version}' to delete`, 'not-found');
    return `deleted keychain item service '${this.r.service}' account '${this.r.account ?? version}'`;
  }
}

const RETIRED_META = 'enclog-retired-versions';

class VaultKvRotatable implements Rotatable {
  private readonly vault: VaultClient;
  constructor(
    readonly ref: string,
    private readonly r: Extract<KeyRef, { type: 'vault-kv' }>,
    opts: RotatableOptions,
  ) {
    this.vault = new VaultClient(ref, { ...opts.vault, env: opts.vault?.env ?? opts.env });
  }

  private async meta(): Promise<Record<string, unknown>> {
    try {
      return (await this.vault.read(`${this.r.mount}/metadata/${this.r.path}`)).data ?? {};
    } catch (err) {
      if (err instanceof KeySourceError && err.code === 'not-found') return {};
      throw err;
    }
  }

  async createVersion(o: NewVersionOptions = {}): Promise<NewVersionResult> {
    const meta = await this.meta();
    const current = Number(meta.current_version ?? 0);
    let fields: Record<string, unknown> = {};
    let kind = o.kind;
    const keyIds: string[] = [];
    if (current > 0) {
      const res = await this.vault.read(`${this.r.mount}/data/${this.r.path}`);
      fields = { ...((res.data?.data ?? {}) as Record<string, unknown>) };
      const old = fields[this.r.field];
      if (typeof old === 'string') {
        const parsed = parseKeyValue(old);
        parsed.material.fill(0);
        kind ??= parsed.kind;
        if (parsed.kind === 'kek') keyIds.push(parsed.keyId);
      }
    }
    if (!kind) throw new KeySourceError(this.ref, 'the secret has no current value: say which kind of key to create (--kind kek|symbiont)', 'invalid');
    const { value, keyId } = newValue(kind, keyIds, o.takenKeyIds);
    fields[this.r.field] = value;
    const res = await this.vault.write(`${this.r.mount}/data/${this.r.path}`, { data: fields, options: { cas: current } });
    const n = Number(res.data?.version ?? current + 1);
    const result: NewVersionResult = { ref: this.ref, version: `v${n}`, kind };
    if (keyId) result.keyId = keyId;
    return result;
  }

  private async setRetired(change: (set: Set<number>) => void): Promise<number[]> {
    const meta = await this.meta();
    const custom = { ...((meta.custom_metadata ?? {}) as Record<string, string>) };
    const set = new Set((custom[RETIRED_META] ?? '').split(',').filter(Boolean).map(Number));
    change(set);
    const list = [...set].sort((a, b) => a - b);
    custom[RETIRED_META] = list.join(',');
    await this.vault.write(`${this.r.mount}/metadata/${this.r.path}`, { custom_metadata: custom });
    return list;
  }

  async retire(version: string): Promise<string> {
    const n = versionNumber(this.ref, version);
    const list = await this.setRetired((s) => s.add(n));
    return `custom_metadata ${RETIRED_META}=${list.join(',')}`;
  }
  async unretire(version: string): Promise<string> {
    const n = versionNumber(this.ref, version);
    const list = await this.setRetired((s) => s.delete(n));
    return `custom_metadata ${RETIRED_META}=${list.join(',') || '(none)'}`;
  }
  async purge(version: string): Promise<string> {
    const n = versionNumber(this.ref, version);
    await this.vault.write(`${this.r.mount}/destroy/${this.r.path}`, { versions: [n] });
    return `destroyed KV version ${n} of ${this.r.mount}/${this.r.path}`;
  }
}

class VaultTransitRotatable implements Rotatable {
  private readonly vault: VaultClient;
  constructor(
    readonly ref: string,
    private readonly r: Extract<KeyRef, { type: 'vault-transit' }>,
    opts: RotatableOptions,
  ) {
    this.vault = new VaultClient(ref, { ...opts.vault, env: opts.vault?.env ?? opts.env });
  }

  private async info(): Promise<Record<string, unknown>> {
    return (await this.vault.read(`${this.r.mount}/keys/${this.r.name}`)).data ?? {};
  }

  async createVersion(): Promise<NewVersionResult> {
    // The transit key's rotate endpoint — never node-vault's rotate(), which rotates Vault's barrier key.
    await this.vault.write(`${this.r.mount}/keys/${this.r.name}/rotate`, {});
    const latest = Number((await this.info()).latest_version);
    return { ref: this.ref, version: `v${latest}`, kind: 'transit', keyId: `vault-transit:${this.r.name}` };
  }

  async retire(version: string): Promise<string> {
    const n = versionNumber(this.ref, version);
    const info = await this.info();
    const latest = Number(info.latest_version);
    if (n >= latest) throw new KeySourceError(this.ref, `v${n} is the latest (primary) version; rotate first`, 'invalid');
    const min = Math.max(Number(info.min_decryption_version ?? 1), n + 1);
    await this.vault.write(`${this.r.mount}/keys/${this.r.name}/config`, { min_decryption_version: min });
    return `min_decryption_version=${min} (every version up to v${min - 1} is now disallowed)`;
  }
  async unretire(version: string): Promise<string> {
    const n = versionNumber(this.ref, version);
    const info = await this.info();
    const floor = Math.max(1, Number(info.min_available_version ?? 0));
    if (n < floor) throw new KeySourceError(this.ref, `v${n} was purged (trimmed); it cannot come back`, 'invalid');
    const min = Math.min(Number(info.min_decryption_version ?? 1), n);
    await this.vault.write(`${this.r.mount}/keys/${this.r.name}/config`, { min_decryption_version: min });
    return `min_decryption_version=${min}`;
  }
  async purge(version: string): Promise<string> {
    const n = versionNumber(this.ref, version);
    const info = await this.info();
    if (Number(info.min_decryption_version ?? 1) <= n) throw new KeySourceError(this.ref, `v${n} is not retired (min_decryption_version is ${String(info.min_decryption_version)})`, 'invalid');
    await this.vault.write(`${this.r.mount}/keys/${this.r.name}/trim`, { min_available_version: n + 1 });
    return `trimmed transit key versions below v${n + 1}`;
  }
}

/** env:, file:, keyring: — values the operator deploys; rotation prints, never writes them. */
class ManualRotatable implements Rotatable {
  constructor(
    readonly ref: string,
    private readonly r: KeyRef,
    private readonly opts: RotatableOptions,
  ) {}

  async createVersion(o: NewVersionOptions = {}): Promise<NewVersionResult> {
    let current: string | undefined;
    if (this.r.type === 'env') current = (this.opts.env ?? process.env)[this.r.name];
    let kind = o.kind;
    const keyIds: string[] = [];
    if (current) {
      const p = parseKeyValue(current);
      p.material.fill(0);
      kind ??= p.kind;
      if (p.kind === 'kek') keyIds.push(p.keyId);
    }
    if (this.r.type === 'file' && !kind) {
      try {
        const text = readFileSync(this.r.path.startsWith('~/') ? homedir() + this.r.path.slice(1) : this.r.path, 'utf8');
        const p = parseKeyValue(text.trim());
        p.material.fill(0);
        kind = p.kind;
        if (p.kind === 'kek') keyIds.push(p.keyId);
      } catch {
        // no current file: the kind must be given
      }
    }
    if (!kind) throw new KeySourceError(this.ref, 'no current value to copy the kind from: say which kind of key to create (--kind kek|symbiont)', 'invalid');
    const currentKeyId = keyIds[0];
    for (const id of o.lineageKeyIds ?? []) if (!keyIds.includes(id)) keyIds.push(id);
    keyIds.sort((a, b) => trailingNumber(a) - trailingNumber(b));
    const { value, keyId } = newValue(kind, keyIds, o.takenKeyIds);
    const nextPath = this.r.type === 'file' ? nextVersionPath(this.r.path, currentKeyId, keyId) : undefined;
    const where =
      this.r.type === 'env'
        ? `set ${this.r.name} to the new value where the writer runs${kind === 'kek' ? ` and move the old one to ${this.r.name}_PREVIOUS` : ' and keep the old one configured as another key source for reading'}`
        : this.r.type === 'file'
          ? `write the new value into a new key file${nextPath ? ` ${nextPath}` : ''} (mode 0600), point the writer at it and add it as a key source; keep ${this.r.path} for reading old entries`
          : `store the new value in the keyring item the writer reads; keep the old value as another key source for reading`;
    const result: NewVersionResult = { ref: this.ref, version: keyId ?? 'next', kind, operatorValue: value, instructions: where };
    if (keyId) result.keyId = keyId;
    return result;
  }

  async retire(): Promise<string> {
    return 'recorded in the enclog state file';
  }
  async unretire(): Promise<string> {
    return 'removed from the enclog state file';
  }
  async purge(): Promise<string> {
    return this.r.type === 'env'
      ? `remove ${this.r.name} from every environment yourself (enclog cannot)`
      : this.r.type === 'file'
        ? `shred the key file ${this.r.path} yourself once every copy of the logs is rotated`
        : 'delete the keyring item yourself';
  }
}

export function rotatableFor(ref: string | KeyRef, opts: RotatableOptions = {}): Rotatable {
  const r = typeof ref === 'string' ? parseKeyRef(ref) : ref;
  switch (r.type) {
    case 'keychain':
      return new KeychainRotatable(r.ref, r, opts);
    case 'vault-kv':
      return new VaultKvRotatable(r.ref, r, opts);
    case 'vault-transit':
      return new VaultTransitRotatable(r.ref, r, opts);
    default:
      return new ManualRotatable(r.ref, r, opts);
  }
}
