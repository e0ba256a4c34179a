import * as vscode from 'vscode';
import { parseLineageOverrides, type LineageOverride } from '../core/keys/lineage';
import { parseKeyRef } from './core';
import { trustedSetting } from './trustedSettings';
import { consentedVaultAddress } from './vaultAddressInEffect';

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
  /**
   * Address and namespace: user settings only (else VAULT_ADDR / VAULT_NAMESPACE of the environment, else a
   * workspace's address the user allowed for that workspace).
   */
  vault: VaultSettings;
  /** How the Vault token is obtained: user settings only. */
  vaultAuth: VaultAuthSettings;
  /** Keys leave memory after this long without use (0 = only on Clear Key Cache): user settings only. */
  keyCacheIdleMinutes: number;
  /** `keyLineages`: a malformed value is reported in `error`, never thrown. Restricted Mode: the user's value only. */
  keyLineages: { overrides: LineageOverride[]; error?: string };
  /** Logs up to this many entries are counted per key version on open. Restricted Mode: the user's value only. */
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

  /** A value read outside VS Code's configuration changed (the consented workspace Vault address): check again. */
  refresh(): void {
    this.check();
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
    keySources: keySources(trusted),
    vault: vaultSettings(),
    vaultAuth: vaultAuthSettings(),
    keyCacheIdleMinutes: idleMinutes(cfg),
    keyLineages: keyLineageOverrides(trusted),
    autoCensusMaxEntries: numberSetting(trustedSetting<number>(SECTION, 'autoCensusMaxEntries', { trusted }), 20000),
  };
}

/**
 * Key refs: the user's own (user settings) always; the workspace's and its folders' only in a trusted
 * workspace. In Restricted Mode (`trusted` false) no workspace-defined key source is used at all.
 * De-duplicated, in that order.
 */
export function keySources(trusted: boolean = vscode.workspace.isTrusted): string[] {
  return [...keySourceOrigins(trusted).keys()];
}

export const USER_SETTINGS = 'your user settings';

/**
 * Each key ref with the settings that name it first: `your user settings`, `the workspace settings`,
 * or `the settings of folder NAME` (those only in a trusted workspace). Rotation's confirmations say it:
 * a workspace may name keys to read with, it never chooses where a rotation writes without the user's word.
 */
export function keySourceOrigins(trusted: boolean = vscode.workspace.isTrusted): Map<string, string> {
  const inspect = vscode.workspace.getConfiguration(SECTION).inspect<string[]>('keySources');
  const all = new Map<string, string>();
  const add = (v: unknown, origin: string): void => {
    if (Array.isArray(v)) for (const r of v) if (typeof r === 'string' && r.trim() && !all.has(r.trim())) all.set(r.trim(), origin);
  };
  add(inspect?.globalValue, USER_SETTINGS);
  if (!trusted) return all;
  add(inspect?.workspaceValue, 'the workspace settings');
  add(inspect?.workspaceFolderValue, 'the workspace folder settings');
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    add(vscode.workspace.getConfiguration(SECTION, f.uri).inspect<string[]>('keySources')?.workspaceFolderValue, `the settings of folder ${f.name}`);
  }
  return all;
}

/** True when the `keyLineages` in effect are a workspace's (trusted workspace, a workspace or folder value set). */
export function keyLineagesFromWorkspace(trusted: boolean = vscode.workspace.isTrusted): boolean {
  if (!trusted) return false;
  const i = vscode.workspace.getConfiguration(SECTION).inspect<unknown>('keyLineages');
  return i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined;
}

/** Vault settings a workspace may not choose (they decide where the token goes or how it is obtained). */
export const USER_ONLY_VAULT_SETTINGS = ['vault.address', 'vault.namespace', 'vault.authMethod', 'vault.approleMount', 'vault.roleId'] as const;

/** The user's (or machine's) value of a setting; a workspace or folder value is never returned. */
function userValue(key: string): string | undefined {
  const v = vscode.workspace.getConfiguration(SECTION).inspect<string>(key)?.globalValue;
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** The Vault address of the user's own settings, if any. */
export function userVaultAddress(): string | undefined {
  return userValue('vault.address');
}

/**
 * Address and namespace from the user's settings only (else VAULT_ADDR / VAULT_NAMESPACE of the
 * environment, else a workspace's address the user allowed for that workspace).
 */
export function vaultSettings(): VaultSettings {
  const endpoint = userValue('vault.address') ?? (process.env.VAULT_ADDR?.trim() ? undefined : consentedVaultAddress());
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
export function vaultAuthSettings(): VaultAuthSettings {
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

/**
 * `encryptedLogs.keyLineages`: versions of one key that no grouping rule joins; a malformed value is reported,
 * not thrown. In Restricted Mode the user's value only: a workspace's pin must not pick the primary.
 */
export function keyLineageOverrides(trusted: boolean = vscode.workspace.isTrusted): { overrides: LineageOverride[]; error?: string } {
  try {
    return { overrides: parseLineageOverrides(trustedSetting(SECTION, 'keyLineages', { trusted }), 'encryptedLogs.keyLineages') };
  } catch (err) {
    return { overrides: [], error: (err as Error).message };
  }
}
