import * as vscode from 'vscode';
import { Audit } from './audit';
import { COMMANDS, registerCommands } from './commands';
import { EngineHost } from './engineHost';
import { KeyTreeProvider } from './keyTree';
import { VaultTokenRenewer } from './vaultToken';
import { LogViewerProvider, VIEW_TYPE } from './viewer';

/** What activate() returns: used by the host tests (and available to other extensions). */
export interface ExtensionApi {
  engines: EngineHost;
  viewer: LogViewerProvider;
  tree: KeyTreeProvider;
  audit: Audit;
  vaultRenewer: VaultTokenRenewer;
  commandIds: string[];
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const audit = new Audit();
  const engines = new EngineHost(context.secrets, audit);
  const viewer = new LogViewerProvider(context.extensionUri, audit, engines);
  const tree = new KeyTreeProvider(engines, viewer);
  const vaultRenewer = new VaultTokenRenewer(context.secrets, audit);
  context.subscriptions.push(
    audit,
    engines,
    tree,
    vaultRenewer,
    vscode.window.registerCustomEditorProvider(VIEW_TYPE, viewer, {
      supportsMultipleEditorsPerDocument: true,
      webviewOptions: { retainContextWhenHidden: false, enableFindWidget: false },
    }),
    vscode.window.createTreeView('encryptedLogs.keyVersions', { treeDataProvider: tree, showCollapseAll: true }),
    ...registerCommands({ context, engines, viewer, tree, audit }),
  );
  audit.channel.info(`Encrypted Log Inspector activated; ${engines.refs.length} key source(s) configured`);
  return { engines, viewer, tree, audit, vaultRenewer, commandIds: Object.keys(COMMANDS) };
}

export function deactivate(): void {
  /* disposables are released through context.subscriptions */
}
