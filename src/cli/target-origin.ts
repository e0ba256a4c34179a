import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { parseKeyRef } from '../core/keys/key-ref';
import { isInside, keyFileInRepoWarning, type TargetOrigin } from '../core/rotation/target-origin';
import { UsageError } from './args';
import type { CliConfig } from './config';

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/**
 * Where the target the user named with `flag` (`--to`, `--source`) lives and who else names it: the
 * `.enclog.json` listing the same source, the Vault address it is read from and whose word that
 * address is, and warnings (a key file that came with the repository).
 */
export function cliTargetOrigin(ref: string, flag: string, config: CliConfig, usesConfigKeys: boolean, cwd = process.cwd()): TargetOrigin {
  const r = parseKeyRef(ref);
  const origin: TargetOrigin = { ref: r.ref, namedBy: flag, warnings: [] };
  if (usesConfigKeys && config.path && config.keys.some((k) => safeRef(k) === r.ref)) origin.listedIn = config.path;
  if (r.type === 'file' && config.path) {
    const dir = real(dirname(config.path));
    const file = real(resolve(cwd, r.path.startsWith('~/') ? homedir() + r.path.slice(1) : r.path));
    if (isInside(file, dir)) origin.warnings.push(keyFileInRepoWarning(r.path, dir, basename(config.path), flag === '--to' ? 'target key file' : 'key file'));
  }
  if (r.type === 'vault-kv' || r.type === 'vault-transit') {
    origin.vaultAddress = config.vault.endpoint ?? 'http://127.0.0.1:8200';
    const dirVault = config.vaultFromDirectory;
    origin.vaultAddressFrom = dirVault?.address ? dirVault.why : config.vault.endpoint ? 'VAULT_ADDR' : 'the default address';
    if (dirVault) origin.warnings.push(directoryVaultText(dirVault, 'a rotation to it needs'));
  }
  return origin;
}

function safeRef(ref: string): string | undefined {
  try {
    return parseKeyRef(ref).ref;
  } catch {
    return undefined;
  }
}

function directoryVaultText(v: NonNullable<CliConfig['vaultFromDirectory']>, needs: string): string {
  const what = [v.address ? `the Vault address ${v.address}` : '', v.namespace ? `the Vault namespace ${JSON.stringify(v.namespace)}` : ''].filter(Boolean).join(' and ');
  const set = [v.address ? `VAULT_ADDR=${v.address}` : '', v.namespace ? `VAULT_NAMESPACE=${v.namespace}` : ''].filter(Boolean).join(' ');
  return `${what} comes from ${v.why}: good for reading keys; ${needs} your own word: set ${set}`;
}

/**
 * A rotation that writes a key to Vault (a new version, or data wrapped under a key read from there)
 * goes only to an address and namespace the user set (VAULT_ADDR, VAULT_NAMESPACE), never to ones a
 * directory's `.enclog.json` names, even with the consent to read through them.
 */
export function refuseDirectoryVaultTarget(ref: string, config: CliConfig, doing: string): void {
  const r = parseKeyRef(ref);
  if ((r.type !== 'vault-kv' && r.type !== 'vault-transit') || !config.vaultFromDirectory) return;
  throw new UsageError(`refusing to ${doing} ${r.ref}: ${directoryVaultText(config.vaultFromDirectory, 'rotation writes keys there only on')}`);
}
