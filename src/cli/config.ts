import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLineageOverrides, type LineageOverride } from '../core/keys/lineage';
import type { VaultOptions } from '../core/keys/sources';
import { defaultPolicy, parsePolicy, PolicyConfigError, type PolicyConfig } from '../core/policy';
import { UsageError } from './args';

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
}

export function loadConfig(cwd: string, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const path = join(cwd, '.enclog.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { keys: [], vault: vaultFromEnv(env), lineages: [] };
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
  if (typeof obj.vault?.address === 'string') vault.endpoint = obj.vault.address;
  if (typeof obj.vault?.namespace === 'string') vault.namespace = obj.vault.namespace;
  let lineages: LineageOverride[];
  try {
    lineages = parseLineageOverrides(obj.lineages, path);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return { keys: (obj.keys as string[] | undefined) ?? [], vault, lineages, policyRaw: obj.policy, path };
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
