import * as vscode from 'vscode';
import { parseLineageOverrides, type LineageOverride } from '../core/keys/lineage';

export const SECTION = 'encryptedLogs';
export const VAULT_TOKEN_SECRET = 'encryptedLogs.vault.token';
/** The AppRole secret_id (a credential: SecretStorage only). The role_id is a setting. */
export const VAULT_APPROLE_SECRET = 'encryptedLogs.vault.approleSecretId';

export interface VaultSettings {
  endpoint?: string;
  namespace?: string;
}

/** Key refs from every level (user, workspace, folders), de-duplicated, in that order. */
export function keySources(): string[] {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const inspect = cfg.inspect<string[]>('keySources');
  const all: string[] = [];
  const add = (v: unknown): void => {
    if (Array.isArray(v)) for (const r of v) if (typeof r === 'string' && r.trim() && !all.includes(r.trim())) all.push(r.trim());
  };
  add(inspect?.globalValue);
  add(inspect?.workspaceValue);
  add(inspect?.workspaceFolderValue);
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    add(vscode.workspace.getConfiguration(SECTION, f.uri).inspect<string[]>('keySources')?.workspaceFolderValue);
  }
  return all;
}

export function vaultSettings(): VaultSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const endpoint = cfg.get<string>('vault.address')?.trim();
  const namespace = cfg.get<string>('vault.namespace')?.trim();
  return { ...(endpoint ? { endpoint } : {}), ...(namespace ? { namespace } : {}) };
}

export interface VaultAuthSettings {
  method: 'token' | 'approle';
  /** Where the AppRole auth method is mounted (auth/<mount>/login). */
  approleMount: string;
  roleId?: string;
}

/** How the extension gets its Vault token: the stored token, or an AppRole login (role id here, secret id in SecretStorage). */
export function vaultAuthSettings(): VaultAuthSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const method = cfg.get<string>('vault.authMethod') === 'approle' ? 'approle' : 'token';
  const approleMount = cfg.get<string>('vault.approleMount')?.trim().replace(/^\/+|\/+$/g, '') || 'approle';
  const roleId = cfg.get<string>('vault.roleId')?.trim();
  return { method, approleMount, ...(roleId ? { roleId } : {}) };
}

/** Which settings level a ref lives in, for removal. */
export function refTargets(ref: string): vscode.ConfigurationTarget[] {
  const inspect = vscode.workspace.getConfiguration(SECTION).inspect<string[]>('keySources');
  const out: vscode.ConfigurationTarget[] = [];
  if (inspect?.globalValue?.includes(ref)) out.push(vscode.ConfigurationTarget.Global);
  if (inspect?.workspaceValue?.includes(ref)) out.push(vscode.ConfigurationTarget.Workspace);
  return out;
}

export async function addRef(ref: string, target: vscode.ConfigurationTarget): Promise<void> {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const inspect = cfg.inspect<string[]>('keySources');
  const cur = (target === vscode.ConfigurationTarget.Global ? inspect?.globalValue : inspect?.workspaceValue) ?? [];
  if (cur.includes(ref)) return;
  await cfg.update('keySources', [...cur, ref], target);
}

export async function removeRef(ref: string): Promise<boolean> {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const inspect = cfg.inspect<string[]>('keySources');
  let removed = false;
  for (const target of refTargets(ref)) {
    const cur = (target === vscode.ConfigurationTarget.Global ? inspect?.globalValue : inspect?.workspaceValue) ?? [];
    await cfg.update('keySources', cur.filter((r) => r !== ref), target);
    removed = true;
  }
  return removed;
}

/** A key ref is a location, never material: reject things that look like raw keys. */
export function validateRef(ref: string): string | undefined {
  const m = /^(env|file|keychain|keyring|vault-kv|vault-transit):(.+)$/.exec(ref.trim());
  if (!m) return 'Expected env:NAME, file:PATH, keychain:SERVICE[/ACCOUNT], keyring:SERVICE/USERNAME, vault-kv:MOUNT/PATH[#field] or vault-transit:MOUNT/NAME';
  const rest = m[2] ?? '';
  if (m[1] === 'env' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(rest)) return 'env: takes a variable name';
  if (/^[A-Za-z0-9+/]{40,}={0,2}$/.test(rest)) return 'That looks like key material: give where the key lives, not the key';
  return undefined;
}

/** `encryptedLogs.keyLineages`: versions of one key that no grouping rule joins; a malformed value is reported, not thrown. */
export function keyLineageOverrides(): { overrides: LineageOverride[]; error?: string } {
  try {
    return { overrides: parseLineageOverrides(vscode.workspace.getConfiguration(SECTION).get('keyLineages'), 'encryptedLogs.keyLineages') };
  } catch (err) {
    return { overrides: [], error: (err as Error).message };
  }
}
