import * as vscode from 'vscode';
import { parseJsonc } from '../core/json/jsonc';
import type { Audit } from './audit';
import type { CommandFactory } from './commandRegistry';
import { SECTION, USER_ONLY_VAULT_SETTINGS } from './config';
import type { ShowWarning } from './testApi';
import { setConsentedVaultAddress } from './vaultAddressInEffect';

/** The setting a workspace may name but never decides alone (it is `machine`-scoped: VS Code ignores it there). */
const ADDRESS_KEY = `${SECTION}.vault.address`;
/** globalState (outside the workspace): workspace folder or workspace file URI -> the exact address allowed. */
const CONSENT_STATE = 'encryptedLogs.vaultAddressConsent';

export interface WorkspaceVaultAddress {
  /** The folder (or the .code-workspace file) whose settings name the address: what a consent is keyed by. */
  owner: vscode.Uri;
  address: string;
  /** The settings file that names it. */
  file: vscode.Uri;
}

/** A workspace settings file's own settings object, with the folder (or workspace file) it belongs to. */
interface WorkspaceSettingsFile {
  owner: vscode.Uri;
  file: vscode.Uri;
  settings: Record<string, unknown>;
}

type Consents = Record<string, { address: string; at: string }>;

/** What check() said about one workspace address (also the host tests' view of the prompt). */
export interface AddressNotice {
  found: WorkspaceVaultAddress;
  state: 'allowed' | 'asked' | 'overridden' | 'restricted' | 'refused';
  message: string;
}

/** VS Code's warning notification. */
export const windowWarning: ShowWarning = (message, ...actions) => vscode.window.showWarningMessage(message, ...actions);

export const ALLOW_ACTION = 'Allow for this workspace';
export const FORGET_CONSENT_COMMAND = 'encryptedLogs.forgetVaultAddressConsent';

/** "Forget the Vault Address Allowed for This Workspace", registered with every other command (commandRegistry.ts). */
export const VAULT_CONSENT_COMMANDS: Record<string, CommandFactory> = {
  [FORGET_CONSENT_COMMAND]:
    ({ vaultConsent }) =>
    () =>
      vaultConsent.forget(),
};

/**
 * A Vault address named by the workspace's own settings (`.vscode/settings.json` of a folder, the
 * `.code-workspace` file) is never used on the workspace's word: the token would go wherever a cloned
 * repository says. VS Code already ignores it (the setting is `machine`-scoped), so this reads those
 * files itself to warn, naming the address, and offers "Allow for this workspace". The consent is kept
 * in globalState (outside the workspace) keyed by the folder URI and the exact address, so a changed
 * address or another folder asks again; giving it is audited. A consented address is used only when the
 * user named none (user settings, VAULT_ADDR), and never in Restricted Mode.
 */
export class VaultAddressConsent implements vscode.Disposable {
  private readonly said = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** The address in effect changed (consent given, settings file changed): the engine must be recreated. */
  readonly onDidChange = this.changeEmitter.event;
  constructor(
    private readonly state: vscode.Memento,
    private readonly audit: Audit,
    private readonly userAddress: () => string | undefined,
    /** How warnings are shown (the test API records them through this, testApi.ts). */
    private readonly showWarning: ShowWarning = windowWarning,
  ) {
    const recheck = (): void => void this.check().catch((e) => audit.channel.warn(`vault address check: ${(e as Error).message}`));
    const watcher = vscode.workspace.createFileSystemWatcher('**/.vscode/settings.json');
    this.disposables.push(
      watcher,
      watcher.onDidChange(recheck),
      watcher.onDidCreate(recheck),
      watcher.onDidDelete(recheck),
      vscode.workspace.onDidChangeWorkspaceFolders(recheck),
      vscode.workspace.onDidGrantWorkspaceTrust(recheck),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('encryptedLogs.vault') && recheck()),
      this.changeEmitter,
    );
  }

  private consents(): Consents {
    const c = this.state.get<Consents>(CONSENT_STATE);
    return c && typeof c === 'object' ? c : {};
  }

  isAllowed(found: WorkspaceVaultAddress): boolean {
    return this.consents()[found.owner.toString()]?.address === found.address;
  }

  /** The action of the warning: records the consent for this folder and exact address, audited. */
  async allow(found: WorkspaceVaultAddress): Promise<void> {
    if (!consentable(found.address)) throw new Error(`not an address that can be allowed: "${shown(found.address)}"`);
    const consents = { ...this.consents(), [found.owner.toString()]: { address: found.address, at: new Date().toISOString() } };
    await this.state.update(CONSENT_STATE, consents);
    this.audit.record({ action: 'consent', detail: `vault address ${found.address} allowed for ${found.owner.toString()} (named in ${found.file.fsPath})` });
    await this.check();
  }

  /** Withdraws the consents of this workspace's folders and workspace file (audited); returns how many there were. */
  async forget(): Promise<number> {
    const owners = [vscode.workspace.workspaceFile, ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri)].filter((u): u is vscode.Uri => !!u).map((u) => u.toString());
    const consents = { ...this.consents() };
    const gone = owners.filter((o) => o in consents);
    for (const o of gone) {
      this.audit.record({ action: 'consent', detail: `vault address ${consents[o]!.address} no longer allowed for ${o}` });
      delete consents[o];
    }
    await this.state.update(CONSENT_STATE, consents);
    for (const k of [...this.said]) if (k.startsWith('asked\u0000')) this.said.delete(k);
    await this.check();
    return gone.length;
  }

  /** Reads the workspace's settings files, warns about each address found, and sets the address in effect. */
  async check(): Promise<AddressNotice[]> {
    const files = await workspaceSettingsFiles();
    this.warnIgnored(files);
    const found = vaultAddresses(files);
    const own = this.userAddress() ?? process.env.VAULT_ADDR?.trim() ?? undefined;
    const notices: AddressNotice[] = [];
    let active: string | undefined;
    for (const f of found) {
      const named = `This workspace names the Vault address "${shown(f.address)}" (${vscode.workspace.asRelativePath(f.file)})`;
      let notice: AddressNotice;
      if (own) {
        notice = { found: f, state: 'overridden', message: `${named}: ignored; your own address ${shown(own)} is used.` };
      } else if (!vscode.workspace.isTrusted) {
        notice = { found: f, state: 'restricted', message: `${named}: ignored in Restricted Mode. Your Vault token is never sent there.` };
      } else if (!consentable(f.address)) {
        notice = { found: f, state: 'refused', message: `${named}: ignored; it is not an http(s) URL written in plain ASCII without credentials, so it cannot be allowed.` };
      } else if (this.isAllowed(f)) {
        notice = { found: f, state: 'allowed', message: `Using the Vault address "${f.address}" named by ${vscode.workspace.asRelativePath(f.file)}, as you allowed for this workspace.` };
        active ??= f.address;
      } else {
        notice = { found: f, state: 'asked', message: `${named}: ignored. Allow it only if you trust it with your Vault token.` };
      }
      notices.push(notice);
      this.say(notice);
    }
    if (setConsentedVaultAddress(active)) this.changeEmitter.fire();
    return notices;
  }

  /** The other vault.* settings a workspace names are ignored without a consent flow: said once each, by value. */
  private warnIgnored(files: WorkspaceSettingsFile[]): void {
    for (const f of files) {
      for (const key of USER_ONLY_VAULT_SETTINGS) {
        const v = f.settings[`${SECTION}.${key}`];
        if (key === 'vault.address' || typeof v !== 'string' || !v.trim()) continue;
        const msg = `This workspace sets ${SECTION}.${key} to "${shown(v.trim())}" (${vscode.workspace.asRelativePath(f.file)}): ignored. Only your user settings choose how the Vault token is obtained.`;
        if (this.said.has(msg)) continue;
        this.said.add(msg);
        this.audit.channel.warn(msg);
        void this.showWarning(`Encrypted Logs: ${msg}`);
      }
    }
  }

  private say(n: AddressNotice): void {
    const key = `${n.state}\u0000${n.found.owner.toString()}\u0000${n.found.address}`;
    if (this.said.has(key)) return;
    this.said.add(key);
    if (n.state === 'allowed') {
      this.audit.channel.info(n.message);
      return;
    }
    this.audit.channel.warn(n.message);
    if (n.state !== 'asked') {
      void this.showWarning(`Encrypted Logs: ${n.message}`);
      return;
    }
    void this.showWarning(`Encrypted Logs: ${n.message}`, ALLOW_ACTION).then((pick) => (pick === ALLOW_ACTION ? this.allow(n.found) : undefined));
  }

  dispose(): void {
    setConsentedVaultAddress(undefined);
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * Only an address that reads as what it is may be offered: an http(s) URL in printable ASCII (no
 * look-alike letters, bidi overrides or control characters in the warning) with no user:password part.
 */
export function consentable(address: string): boolean {
  if (!/^[\x21-\x7e]+$/.test(address)) return false;
  try {
    const u = new URL(address);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** A workspace's value as shown in a warning: anything but printable ASCII as \u{…}, at most 200 characters. */
function shown(value: string): string {
  const escaped = value.replace(/[^\x20-\x7e]|"/gu, (c) => (c === '"' ? '\\"' : `\\u{${c.codePointAt(0)!.toString(16)}}`));
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}

/** `encryptedLogs.vault.address` as the workspace's settings files name it. */
function vaultAddresses(files: WorkspaceSettingsFile[]): WorkspaceVaultAddress[] {
  return files.flatMap((f) => {
    const v = f.settings[ADDRESS_KEY];
    return typeof v === 'string' && v.trim() ? [{ owner: f.owner, address: v.trim(), file: f.file }] : [];
  });
}

/** The `.code-workspace` file's `settings` and each folder's `.vscode/settings.json`, as written (VS Code drops machine-scoped values). */
async function workspaceSettingsFiles(): Promise<WorkspaceSettingsFile[]> {
  const out: WorkspaceSettingsFile[] = [];
  const read = async (owner: vscode.Uri, file: vscode.Uri, pick: (doc: Record<string, unknown>) => unknown): Promise<void> => {
    let doc: unknown;
    try {
      doc = parseJsonc(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)));
    } catch {
      return; // no settings file, or one VS Code cannot read either
    }
    const settings = isObject(doc) ? pick(doc) : undefined;
    if (isObject(settings)) out.push({ owner, file, settings });
  };
  const ws = vscode.workspace.workspaceFile;
  if (ws && ws.scheme !== 'untitled') await read(ws, ws, (d) => d.settings);
  for (const f of vscode.workspace.workspaceFolders ?? []) await read(f.uri, vscode.Uri.joinPath(f.uri, '.vscode', 'settings.json'), (d) => d);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
