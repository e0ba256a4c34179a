import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLineageOverrides, type LineageOverride } from '../core/keys/lineage';
import type { VaultOptions } from '../core/keys/sources';
import { defaultPolicy, parsePolicy, PolicyConfigError, type PolicyConfig } from '../core/policy';
import { UsageError } from './args';
import { consentedAddress } from './vault-consent';

/** The CLI's workspace config, `.enclog.json` in the working directory: refs only, never key material. */
export interface CliConfig {
  keys: string[];
  vault: VaultOptions;
  /** `"lineages"`: versions of one key that no grouping rule joins. */
  lineages: LineageOverride[];
  /** The raw `"policy"` object (read by `enclog policy` only, so a bad policy never breaks other commands). */
  policyRaw?: unknown;
  /** Where it came from, for messages. */
  path?: string;
  /** The Vault address the file names (used only with the user's consent, see vault-consent.ts). */
  fileVaultAddress?: string;
  /** Said on stderr before anything runs (an ignored or consented Vault address). */
  warnings: string[];
  /**
   * Set when the Vault address or namespace in effect is the directory's (`.enclog.json`, the address
   * with the user's consent) rather than the user's own (VAULT_ADDR / VAULT_NAMESPACE): good for reading
   * keys, never for choosing where a rotation writes one (see target-origin.ts).
   */
  vaultFromDirectory?: { address?: string; namespace?: string; why: string };
}

export function loadConfig(cwd: string, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const path = join(cwd, '.enclog.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { keys: [], vault: vaultFromEnv(env), lineages: [], warnings: [] };
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const obj = (parsed ?? {}) as { keys?: unknown; vault?: { address?: unknown; namespace?: unknown }; policy?: unknown; lineages?: unknown };
  if (obj.keys !== undefined && !(Array.isArray(obj.keys) && obj.keys.every((k) => typeof k === 'string'))) {
    throw new UsageError(`${path}: "keys" must be an array of key refs`);
  }
  const vault = vaultFromEnv(env);
  const warnings: string[] = [];
  const directoryVault: { address?: string; namespace?: string; why: string } = { why: path };
  const address = obj.vault?.address;
  if (typeof address === 'string' && address.trim() && vault.endpoint === undefined) {
    // A repository's file must not choose where the user's token goes: only with the user's recorded consent.
    const consent = consentedAddress(cwd, address.trim(), env);
    if (consent) {
      vault.endpoint = address.trim();
      directoryVault.address = address.trim();
      directoryVault.why = `${path} (allowed for this directory on ${consent.at} with 'enclog allow-vault-address')`;
      warnings.push(`using the Vault address ${address.trim()} from ${path} (allowed for this directory on ${consent.at} with 'enclog allow-vault-address')`);
    } else {
      warnings.push(`ignoring the Vault address ${JSON.stringify(address)} in ${path}: a directory's config file does not choose where your Vault token goes. Set VAULT_ADDR, or run 'enclog allow-vault-address ${JSON.stringify(address)}' here to allow it for this directory`);
    }
  } else if (typeof address === 'string' && address.trim() && address.trim() !== vault.endpoint) {
    warnings.push(`ignoring the Vault address ${JSON.stringify(address)} in ${path}: VAULT_ADDR is set`);
  }
  if (typeof obj.vault?.namespace === 'string' && vault.namespace === undefined) {
    vault.namespace = obj.vault.namespace;
    directoryVault.namespace = obj.vault.namespace;
  }
  const fileVaultAddress = typeof address === 'string' && address.trim() ? address.trim() : undefined;
  let lineages: LineageOverride[];
  try {
    lineages = parseLineageOverrides(obj.lineages, path);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return { keys: (obj.keys as string[] | undefined) ?? [], vault, lineages, policyRaw: obj.policy, path, warnings, ...(fileVaultAddress ? { fileVaultAddress } : {}), ...(directoryVault.address || directoryVault.namespace ? { vaultFromDirectory: directoryVault } : {}) };
}

/** The encryption-at-rest policy of a config (`"policy": {...}` over the defaults); UsageError when invalid. */
export function configPolicy(config: CliConfig): PolicyConfig {
  if (config.policyRaw === undefined) return defaultPolicy();
  try {
    return parsePolicy(config.policyRaw, `${config.path ?? '.enclog.json'}: policy`);
  } catch (err) {
    if (err instanceof PolicyConfigError) throw new UsageError(err.message);
    throw err;
  }
}

function vaultFromEnv(env: NodeJS.ProcessEnv): VaultOptions {
  const v: VaultOptions = {};
  if (env.VAULT_ADDR) v.endpoint = env.VAULT_ADDR;
  if (env.VAULT_TOKEN) v.token = env.VAULT_TOKEN;
  if (env.VAULT_NAMESPACE) v.namespace = env.VAULT_NAMESPACE;
  return v;
}
