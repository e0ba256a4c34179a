import * as vscode from 'vscode';
import * as path from 'node:path';
import { withSignal } from './cancellation';
import type { CommandFactory } from './commandRegistry';
import { addRef, removeRef, validateRef, VAULT_APPROLE_SECRET, VAULT_TOKEN_SECRET } from './config';
import type { EngineHost } from './engineHost';
import type { KeyTreeNode } from './keyTree';
import { countLogsPerKey } from '../core/log-counts';
import { VIEW_TYPE, type ViewerPanel } from './viewer';
import { formatFromName } from './core';

/**
 * The viewer, key-source and Vault commands (name -> factory), registered with every other command
 * by commandRegistry.ts. Commands take optional arguments so tests (and other extensions) can run
 * them without UI.
 */
export const VIEWER_AND_KEY_COMMANDS: Record<string, CommandFactory> = {
  'encryptedLogs.openWithViewer': () => async (uri?: vscode.Uri) => {
    let target = uri instanceof vscode.Uri ? uri : activeResource();
    if (!target) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Open Encrypted Log', filters: { 'Encrypted logs': ['log', 'jsonl'], 'All files': ['*'] } });
      target = picked?.[0];
    }
    if (!target) return undefined;
    await vscode.commands.executeCommand('vscode.openWith', target, VIEW_TYPE);
    return target;
  },

  'encryptedLogs.addKeySource': () => async (ref?: string, where?: 'user' | 'workspace') => {
    if (typeof ref !== 'string') ref = await pickRef();
    if (!ref) return undefined;
    const problem = validateRef(ref);
    if (problem) {
      void vscode.window.showErrorMessage(`Invalid key source '${ref}': ${problem}`);
      return undefined;
    }
    let target: vscode.ConfigurationTarget;
    if (where) target = where === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace;
    else if (!vscode.workspace.workspaceFolders?.length) target = vscode.ConfigurationTarget.Global;
    else {
      const t = await vscode.window.showQuickPick(
        [
          { label: 'Workspace', description: 'this workspace only (.vscode/settings.json)', target: vscode.ConfigurationTarget.Workspace },
          { label: 'User', description: 'every window', target: vscode.ConfigurationTarget.Global },
        ],
        { title: `Where should '${ref}' be saved?` },
      );
      if (!t) return undefined;
      target = t.target;
    }
    await addRef(ref, target);
    return ref;
  },

  'encryptedLogs.removeKeySource': ({ engines }) => async (ref?: string) => {
    if (typeof ref !== 'string') {
      const refs = engines.refs;
      if (!refs.length) {
        void vscode.window.showInformationMessage('No key source is configured.');
        return false;
      }
      ref = (await vscode.window.showQuickPick(refs, { title: 'Remove key source' })) ?? undefined;
    }
    if (!ref) return false;
    return removeRef(ref);
  },

  'encryptedLogs.setVaultToken': ({ context, audit }) => async (token?: string) => {
    if (typeof token !== 'string') {
      token = await vscode.window.showInputBox({
        title: 'Vault token',
        prompt: 'Stored in the OS secret storage (never in settings). Empty to remove.',
        password: true,
        ignoreFocusOut: true,
      });
      if (token === undefined) return false;
    }
    if (token) await context.secrets.store(VAULT_TOKEN_SECRET, token);
    else await context.secrets.delete(VAULT_TOKEN_SECRET);
    audit.record({ action: 'key-access', source: 'vault', detail: token ? 'vault token set (secret storage)' : 'vault token removed' });
    return true;
  },

  'encryptedLogs.setVaultAppRoleSecret': ({ context, audit, engines, settings }) => async (secretId?: string) => {
    const auth = settings.current.vaultAuth;
    if (typeof secretId !== 'string') {
      secretId = await vscode.window.showInputBox({
        title: 'Vault AppRole secret ID',
        prompt: `For role id ${auth.roleId ?? '(set encryptedLogs.vault.roleId)'} at auth/${auth.approleMount}. Stored in the OS secret storage (never in settings). Empty to remove.`,
        password: true,
        ignoreFocusOut: true,
      });
      if (secretId === undefined) return false;
      if (secretId && auth.method !== 'approle') {
        void vscode.window.showInformationMessage('Saved. It is used when the setting encryptedLogs.vault.authMethod is "approle".');
      }
    }
    // Returns once the new secret id is in effect (the engine reset its change causes), so that a
    // login right after this command never uses, and then loses, a token from the old one.
    const applied = auth.method === 'approle' ? nextReset(engines, 2000) : Promise.resolve();
    if (secretId) await context.secrets.store(VAULT_APPROLE_SECRET, secretId);
    else await context.secrets.delete(VAULT_APPROLE_SECRET);
    await applied;
    audit.record({
      action: 'key-access',
      source: `vault-approle:${auth.approleMount}`,
      detail: secretId ? `vault approle secret id set for role id ${auth.roleId ?? '(not set)'} (secret storage)` : 'vault approle secret id removed',
    });
    return true;
  },

  'encryptedLogs.clearKeyCache': ({ engines }) => () => {
    engines.clearKeyCache();
    void vscode.window.setStatusBarMessage('Encrypted Logs: key cache cleared', 3000);
  },

  'encryptedLogs.revealEntry': ({ viewer }) => async (index?: number, confirm?: boolean) => {
    const p = viewer.activePanel;
    if (!p) return noViewer();
    const i = typeof index === 'number' ? index : p.selected;
    if (i === null || i === undefined) {
      void vscode.window.showInformationMessage('Select an entry first.');
      return false;
    }
    return p.reveal(i, confirm);
  },

  'encryptedLogs.exportFiltered': ({ viewer }) => async (target?: vscode.Uri) => {
    const p = viewer.activePanel;
    if (!p) return noViewer();
    if (!(target instanceof vscode.Uri)) {
      const base = p.doc.uri.fsPath.replace(/\.encrypted\.log$|\.log$/, '');
      target = await vscode.window.showSaveDialog({
        title: 'Export shown entries as masked JSON lines',
        defaultUri: vscode.Uri.file(`${base}.masked.jsonl`),
        filters: { 'JSON lines': ['jsonl'] },
      });
    }
    if (!target) return undefined;
    const t = target;
    const n = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Exporting ${path.basename(p.doc.uri.fsPath)}`, cancellable: true },
      (progress, token) => p.exportTo(t, progress, token),
    );
    void vscode.window.showInformationMessage(`Exported ${n} masked entries to ${t.fsPath}`);
    return n;
  },

  'encryptedLogs.showAuditLog': ({ audit }) => () => audit.show(),

  'encryptedLogs.refreshKeyVersions': ({ tree }) => () => tree.refresh(),

  'encryptedLogs.countEntriesPerKey': ({ viewer, tree }) => async () => {
    const docs = [...viewer.documents];
    if (!docs.length) {
      void vscode.window.showInformationMessage('Open an encrypted log first.');
      return 0;
    }
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Counting entries per key version', cancellable: true },
      async (progress, token) => {
        for (const d of docs) {
          let last = 0;
          await d.runCensus((done, total) => {
            const pct = total ? (done / total) * 100 : 100;
            progress.report({ message: `${d.fileName}: ${done}/${total}`, increment: (pct - last) / docs.length });
            last = pct;
          }, token);
        }
      },
    );
    tree.refresh();
    return docs.length;
  },

  'encryptedLogs.countWorkspaceEntriesPerKey': ({ engines, tree }) => async (files?: vscode.Uri[]) => {
    const found = files ?? (await vscode.workspace.findFiles('**/*.encrypted.log', '{**/node_modules/**,**/.git/**}', 1000));
    if (!found.length) {
      void vscode.window.showInformationMessage('No *.encrypted.log file in this workspace.');
      return undefined;
    }
    const counts = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Counting entries per key version in workspace logs', cancellable: true },
      async (progress, token) => {
        const engine = await engines.get();
        return withSignal(token, (signal) =>
          countLogsPerKey(
            engine,
            found.map((u) => u.fsPath),
            signal,
            (file, i) => progress.report({ message: `${vscode.workspace.asRelativePath(file)} (${i + 1}/${found.length})`, increment: 100 / found.length }),
          ),
        );
      },
    );
    tree.setWorkspaceCounts(counts);
    return counts;
  },

  'encryptedLogs.nextFailure': ({ viewer }) => (from?: number) => gotoFailure(viewer.activePanel, 1, from),
  'encryptedLogs.previousFailure': ({ viewer }) => (from?: number) => gotoFailure(viewer.activePanel, -1, from),

  'encryptedLogs.search': ({ viewer }) => async (text?: string) => {
    const p = viewer.activePanel;
    if (!p) return noViewer();
    if (typeof text === 'string') return p.applyFilters(-1, { text });
    p.post({ type: 'focusSearch' });
    return undefined;
  },

  /** Overrides format detection for the active viewer: `format` is a `--format` name or 'auto'. */
  'encryptedLogs.reopenWithFormat': ({ viewer }) => async (format?: string) => {
    const p = viewer.activePanel;
    if (!p) return noViewer();
    if (typeof format !== 'string') {
      const current = p.doc.formatOverride;
      const picked = await vscode.window.showQuickPick(
        [
          { label: 'Detect automatically', name: 'auto', picked: current === undefined },
          { label: 'Symbiont model I/O log', name: 'symbiont', picked: current === 'symbiont' },
          { label: 'Envelope log', name: 'envelope', picked: current === 'envelope' },
          { label: 'Transit JSON lines', name: 'transit', picked: current === 'transit-jsonl' },
        ],
        { title: `Read ${p.doc.fileName} as…` },
      );
      if (!picked) return undefined;
      format = picked.name;
    }
    const chosen = format === 'auto' ? undefined : formatFromName(format);
    if (chosen === null) {
      void vscode.window.showErrorMessage(`Unknown log format '${format}' (symbiont, envelope, transit or auto)`);
      return undefined;
    }
    await p.doc.reopenAs(chosen);
    return p.doc.session?.format ?? 'unknown';
  },

  'encryptedLogs.tree.removeSource': () => async (node?: KeyTreeNode) => {
    const ref = node?.kind === 'source' ? node.ref : node?.kind === 'version' ? node.info.sourceRef : undefined;
    if (!ref) return false;
    const ok = await vscode.window.showWarningMessage(`Remove key source '${ref}' from the settings?`, { modal: true }, 'Remove');
    return ok === 'Remove' ? removeRef(ref) : false;
  },

  'encryptedLogs.tree.copyLabel': () => async (node?: KeyTreeNode) => {
    if (!node || node.kind !== 'version') return undefined;
    await vscode.env.clipboard.writeText(node.info.label);
    return node.info.label;
  },
};

function activeResource(): vscode.Uri | undefined {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  const input = tab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return input.uri;
  return vscode.window.activeTextEditor?.document.uri;
}

function noViewer(): false {
  void vscode.window.showInformationMessage('Open an encrypted log in the Encrypted Log Viewer first.');
  return false;
}

async function gotoFailure(p: ViewerPanel | undefined, dir: 1 | -1, from?: number): Promise<number | null | false> {
  if (!p) return noViewer();
  const start = typeof from === 'number' ? from : (p.selected ?? (dir > 0 ? -1 : p.doc.entryCount));
  const { index: i } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Finding failed entry' }, () => p.findFailure(start, dir));
  if (i === null) void vscode.window.setStatusBarMessage('Encrypted Logs: no further failed entry', 3000);
  else {
    p.selected = i;
    p.post({ type: 'selectIndex', index: i, pos: p.posOf(i) });
  }
  return i;
}

async function pickRef(): Promise<string | undefined> {
  const kinds = [
    { label: 'env', description: 'environment variable: env:NAME', prefix: 'env:' },
    { label: 'file', description: 'key file (0600): file:PATH', prefix: 'file:' },
    { label: 'keychain', description: 'OS keychain (keytar or Rust-keyring items): keychain:SERVICE[/ACCOUNT]', prefix: 'keychain:' },
    { label: 'keyring', description: 'Rust-keyring item (Symbiont): keyring:SERVICE/USERNAME', prefix: 'keyring:' },
    { label: 'vault-kv', description: 'Vault KV v2: vault-kv:MOUNT/PATH[#field]', prefix: 'vault-kv:' },
    { label: 'vault-transit', description: 'Vault transit key: vault-transit:MOUNT/NAME', prefix: 'vault-transit:' },
  ];
  const kind = await vscode.window.showQuickPick(kinds, { title: 'Add key source: where do the keys live?' });
  if (!kind) return undefined;
  if (kind.label === 'file') {
    const f = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use as key file' });
    return f?.[0] ? `file:${f[0].fsPath}` : undefined;
  }
  const rest = await vscode.window.showInputBox({
    title: `Add key source (${kind.label})`,
    prompt: kind.description,
    value: kind.label === 'keyring' ? 'symbiont/secrets' : kind.label === 'vault-kv' ? 'secret/symbiont/logging/encryption_key#value' : '',
    validateInput: (v) => validateRef(kind.prefix + v),
  });
  return rest ? kind.prefix + rest : undefined;
}

/** Resolves on the engine host's next reset, or after `ms` at the latest. */
function nextReset(engines: EngineHost, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const sub = engines.onDidReset(done);
    function done(): void {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    }
  });
}
