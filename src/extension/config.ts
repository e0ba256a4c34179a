import * as vscode from 'vscode';
import { parseLineageOverrides, type LineageOverride } from '../core/keys/lineage';
import { parseKeyRef } from './core';

export const SECTION = 'encryptedLogs';
export const VAULT_TOKEN_SECRET = 'encryptedLogs.vault.token';
/** The AppRole secret_id (a credential: SecretStorage only). The role_id is a setting. */
export const VAULT_APPROLE_SECRET = 'encryptedLogs.vault.approleSecretId';

export interface VaultSettings {
  endpoint?: string;
  namespace?: string;
}

/** Every setting of the extension, typed and checked, as one value (see `ExtensionSettings`). */
export interface Settings {
  /** User settings always; the workspace's and its folders' only in a trusted workspace. De-duplicated, in that order. */
  keySources: string[];
  /** Address and namespace: user settings only (else VAULT_ADDR / VAULT_NAMESPACE of the environment). */
  vault: VaultSettings;
  /** How the Vault token is obtained: user settings only. */
  vaultAuth: VaultAuthSettings;
  /** Vault settings a workspace or folder tried to set (ignored; read only to warn, naming the value). */
  vaultOverrides: { key: string; value: string }[];
  /** Keys leave memory after this long without use (0 = only on Clear Key Cache): user settings only. */
  keyCacheIdleMinutes: number;
  /** `keyLineages`: a malformed value is reported in `error`, never thrown. */
  keyLineages: { overrides: LineageOverride[]; error?: string };
  /** Logs up to this many entries are counted per key version on open. */
  autoCensusMaxEntries: number;
}

export interface SettingsChange {
  affects(key: keyof Settings): boolean;
  readonly current: Settings;
}

/**
 * The extension's settings: one typed object (`current`, read fresh each time: an update the
 * extension just awaited is seen at once) and one change event that fires only for the fields whose
 * value changed (configuration changes are announced more than once, and trust or folders change
 * what `keySources` means without any setting changing).
 */
export class ExtensionSettings implements vscode.Disposable {
  private last: Settings;
  private readonly emitter = new vscode.EventEmitter<SettingsChange>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[];

  constructor() {
    this.last = readSettings();
    const check = (): void => this.check();
    this.disposables = [
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(SECTION) && check()),
      vscode.workspace.onDidGrantWorkspaceTrust(check),
      vscode.workspace.onDidChangeWorkspaceFolders(check),
      this.emitter,
    ];
  }

  get current(): Settings {
    return readSettings();
  }

  private check(): void {
    const next = readSettings();
    const changed = new Set((Object.keys(next) as (keyof Settings)[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(this.last[k])));
    this.last = next;
    if (changed.size) this.emitter.fire({ affects: (k) => changed.has(k), current: next });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Reads every setting; `trusted` false (Restricted Mode) leaves out every workspace-defined key source. */
export function readSettings(trusted: boolean = vscode.workspace.isTrusted): Settings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  return {
    keySources: keySources(cfg, trusted),
    vault: vaultSettings(),
    vaultAuth: vaultAuthSettings(),
    vaultOverrides: workspaceVaultOverrides(cfg),
    keyCacheIdleMinutes: idleMinutes(cfg),
    keyLineages: keyLineageOverrides(cfg),
    autoCensusMaxEntries: numberSetting(cfg.get<number>('autoCensusMaxEntries'), 20000),
  };
}

function keySources(cfg: vscode.WorkspaceConfiguration, trusted: boolean): string[] {
  const inspect = cfg.inspect<string[]>('keySources');
  const all: string[] = [];
  const add = (v: unknown): void => {
    if (Array.isArray(v)) for (const r of v) if (typeof r === 'string' && r.trim() && !all.includes(r.trim())) all.push(r.trim());
  };
  add(inspect?.globalValue);
  if (!trusted) return all;
  add(inspect?.workspaceValue);
  add(inspect?.workspaceFolderValue);
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    add(vscode.workspace.getConfiguration(SECTION, f.uri).inspect<string[]>('keySources')?.workspaceFolderValue);
  }
  return all;
}

/** Vault settings a workspace may not choose (they decide where the token goes or how it is obtained). */
export const USER_ONLY_VAULT_SETTINGS = ['vault.address', 'vault.namespace', 'vault.authMethod', 'vault.approleMount', 'vault.roleId'] as const;

/** The user's (or machine's) value of a setting; a workspace or folder value is never returned. */
function userValue(key: string): string | undefined {
  const v = vscode.workspace.getConfiguration(SECTION).inspect<string>(key)?.globalValue;
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** package.json scopes these `machine`, so VS Code ignores them; read here only to warn. */
function workspaceVaultOverrides(cfg: vscode.WorkspaceConfiguration): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const key of USER_ONLY_VAULT_SETTINGS) {
    const i = cfg.inspect<string>(key);
    for (const v of [i?.workspaceValue, i?.workspaceFolderValue]) if (typeof v === 'string' && v.trim() && v.trim() !== userValue(key)) out.push({ key, value: v.trim() });
  }
  return out;
}

function vaultSettings(): VaultSettings {
  const endpoint = userValue('vault.address');
  const namespace = userValue('vault.namespace');
  return { ...(endpoint ? { endpoint } : {}), ...(namespace ? { namespace } : {}) };
}

export interface VaultAuthSettings {
  method: 'token' | 'approle';
  /** Where the AppRole auth method is mounted (auth/<mount>/login). */
  approleMount: string;
  roleId?: string;
}

/** The stored token, or an AppRole login (role id here, secret id in SecretStorage). */
function vaultAuthSettings(): VaultAuthSettings {
  const method = userValue('vault.authMethod') === 'approle' ? 'approle' : 'token';
  const approleMount = userValue('vault.approleMount')?.replace(/^\/+|\/+$/g, '') || 'approle';
  const roleId = userValue('vault.roleId');
  return { method, approleMount, ...(roleId ? { roleId } : {}) };
}

/** User settings only: a workspace must not keep key material in memory longer than the user chose. */
function idleMinutes(cfg: vscode.WorkspaceConfiguration): number {
  const v = cfg.inspect<number>('keyCacheIdleMinutes');
  return numberSetting(v?.globalValue ?? v?.defaultValue, 15);
}

function numberSetting(v: unknown, fallback: number): number {
  const n = Number(v ?? fallback);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
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

/** A key ref is a location, never material: the core's parser says why not (never repeating key material). */
export function validateRef(ref: string): string | undefined {
  try {
    parseKeyRef(ref);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function keyLineageOverrides(cfg: vscode.WorkspaceConfiguration): { overrides: LineageOverride[]; error?: string } {
  try {
    return { overrides: parseLineageOverrides(cfg.get('keyLineages'), 'encryptedLogs.keyLineages') };
  } catch (err) {
    return { overrides: [], error: (err as Error).message };
  }
}
