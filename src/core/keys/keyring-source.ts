import { KeychainKeySource, type KeychainOptions } from './keychain-source';

export type KeyringOptions = KeychainOptions;

/**
 * `keyring:SERVICE/USERNAME`: the older name of `keychain:SERVICE/USERNAME`, kept as an alias. Both
 * match items written by keytar and by the Rust `keyring` crate alike (see KeychainKeySource); only
 * the ref (and so the key labels) keep the `keyring:` spelling the user configured.
 */
export class KeyringKeySource extends KeychainKeySource {
  constructor(service: string, readonly username: string, options: KeyringOptions = {}) {
    super(service, username, options, `keyring:${service}/${username}`);
  }
}
