import type { EncryptedField, FailureReason, KeyVersionInfo } from '../model';
import type { SourceMetadata } from './metadata';

/** A key version with what is needed to use it. Material lives only in memory. */
export interface LoadedKey {
  info: KeyVersionInfo;
  /** kind 'kek': the 32-byte KEK. kind 'symbiont': the key string's UTF-8 bytes (Argon2 password). */
  material?: Buffer;
  /** kind 'transit': the engine that decrypts/rewraps through Vault. */
  transit?: TransitEngine;
}

/** A place keys live, named by a key ref (`env:NAME`, `file:PATH`, `keychain:SERVICE[/ACCOUNT]`, ...). */
export interface KeySource {
  readonly ref: string;
  /**
   * Every version the source holds, oldest first, with kind and KEK id: where those are only in the
   * value (file, env, keychain, Vault KV) the value is read and zero-filled. Rejects with KeySourceError.
   */
  list(): Promise<KeyVersionInfo[]>;
  /**
   * Versions, roles and creation times without reading key material where the source allows it (file:
   * stat; env: presence; Vault KV: the metadata endpoint; transit: the key's info; Secret Service: item
   * attributes). Rejects with KeySourceError.
   */
  metadata(): Promise<SourceMetadata>;
  /** Every version with its material or transit handle. Rejects with KeySourceError. */
  load(): Promise<LoadedKey[]>;
}

export type KeySourceErrorCode = 'unavailable' | 'locked' | 'denied' | 'not-found' | 'timeout' | 'invalid' | 'sealed';

export class KeySourceError extends Error {
  constructor(
    readonly ref: string,
    message: string,
    readonly code: KeySourceErrorCode = 'unavailable',
    /** The HTTP status of the server's answer, when the source is a server (Vault) and it answered. */
    readonly status?: number,
  ) {
    super(`${ref}: ${message}`);
    this.name = 'KeySourceError';
  }
}

/** What decides "Vault rejected the token" (expired, revoked, or lacking the policy): a 403 to an authenticated request. */
export function isTokenRejected(e: { code?: string; status?: number } | undefined): boolean {
  return e?.code === 'denied' && e.status === 403;
}

export interface TransitItemResult {
  plaintext?: Buffer;
  ciphertext?: string;
  error?: string;
}

/** Vault transit for one key (`vault-transit:MOUNT/NAME`). Batched: one HTTP round trip per call. */
export interface TransitEngine {
  readonly mount: string;
  readonly name: string;
  decryptBatch(ciphertexts: string[], signal?: AbortSignal): Promise<TransitItemResult[]>;
  encryptBatch(plaintexts: Buffer[], signal?: AbortSignal): Promise<TransitItemResult[]>;
  rewrapBatch(ciphertexts: string[], signal?: AbortSignal): Promise<TransitItemResult[]>;
}

export type FieldResult =
  | { ok: true; plaintext: Buffer; key: KeyVersionInfo }
  | { ok: false; reason: FailureReason; message: string };

/** Everything that is recorded in the audit channel: never key material, never plaintext. */
export interface AuditEvent {
  time: string;
  action: 'key-access' | 'key-source-error' | 'reveal' | 'export' | 'rotation' | 'cache-cleared' | 'retire' | 'purge' | 'consent';
  source?: string;
  version?: string;
  detail?: string;
  /** key-source-error: the KeySourceError's code and HTTP status, so that no one reads them out of `detail`. */
  code?: KeySourceErrorCode;
  status?: number;
}
export type AuditSink = (event: AuditEvent) => void;

/** What the resolver needs from the field kinds it opens. */
export interface FieldOpener {
  /**
   * `entries[i]`: which entry field i belongs to (the fields of one entry are adjacent); lets a
   * Symbiont entry's fields share one trial budget and the response start with the request's key.
   */
  openFields(fields: EncryptedField[], signal?: AbortSignal, entries?: readonly number[]): Promise<FieldResult[]>;
}

/** A listed version that exists but cannot be used (Vault KV soft-deleted/destroyed, transit below min_decryption_version). */
export type UnusableReason = 'deleted' | 'destroyed' | 'disallowed';

/** KeyVersionInfo as sources list it: may carry why a version is unusable (role is then 'retired'). */
export interface ListedKeyVersion extends KeyVersionInfo {
  unusable?: UnusableReason;
}

/** Options every source accepts. */
export interface KeySourceOptions {
  /** Labels of versions marked retired (e.g. by rotation); they are listed with role 'retired' and still decrypt. */
  retired?: ReadonlySet<string>;
}
