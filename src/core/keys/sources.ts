import { EnvKeySource } from './env-source';
import { FileKeySource } from './file-source';
import { KeychainKeySource } from './keychain-source';
import { KeyringKeySource } from './keyring-source';
import { parseKeyRef, type KeyRef } from './key-ref';
import type { KeySource, KeySourceOptions } from './types';
import type { VaultOptions } from './vault-client';
import { VaultKvKeySource } from './vault-kv-source';
import { VaultTransitKeySource } from './vault-transit-source';

export type { VaultOptions } from './vault-client';

export interface SourceFactoryOptions extends KeySourceOptions {
  /** Deadline for each Secret Service / keychain call (default 1500 ms). */
  keychainTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Builds the KeySource a key ref names. Throws KeyRefError for a bad ref. */
export function createKeySource(ref: string | KeyRef, vaultOptions: VaultOptions = {}, opts: SourceFactoryOptions = {}): KeySource {
  const r = typeof ref === 'string' ? parseKeyRef(ref) : ref;
  const base: KeySourceOptions = opts.retired ? { retired: opts.retired } : {};
  const desktop = { ...base, env: opts.env, timeoutMs: opts.keychainTimeoutMs };
  const vault = { ...base, ...vaultOptions, env: vaultOptions.env ?? opts.env };
  switch (r.type) {
    case 'env':
      return new EnvKeySource(r.name, { ...base, env: opts.env });
    case 'file':
      return new FileKeySource(r.path, base);
    case 'keychain':
      return new KeychainKeySource(r.service, r.account, desktop);
    case 'keyring':
      return new KeyringKeySource(r.service, r.username, desktop);
    case 'vault-kv':
      return new VaultKvKeySource(r.mount, r.path, r.field, vault);
    case 'vault-transit':
      return new VaultTransitKeySource(r.mount, r.name, vault);
  }
}

/** One source per ref, in the order given (the resolver's preference order). */
export function createKeySources(refs: Array<string | KeyRef>, vaultOptions: VaultOptions = {}, opts: SourceFactoryOptions = {}): KeySource[] {
  return refs.map((r) => createKeySource(r, vaultOptions, opts));
}
