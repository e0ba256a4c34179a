import * as vscode from 'vscode';
import { Audit } from './audit';
import { COMMANDS, registerCommands } from './commands';
import { EngineHost } from './engineHost';
import { KeyTreeProvider } from './keyTree';
import { POLICY_COMMAND_IDS, registerPolicy } from './policy';
import { rotationCommands } from './rotationCommands';
import { VaultTokenRenewer } from './vaultToken';
import { warnAboutVaultSettings } from './vaultSettingsWarnings';
import { LogViewerProvider, VIEW_TYPE } from './viewer';

/**
 * What activate() returns: used by the host tests (and available to other extensions). Read-only
 * observation points: `engines.enginesCreated` (0 until key sources were needed), `audit.recent`.
 */
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
  const viewer = new LogViewerProvider(context.extensionUri, audit, engines, context.workspaceState);
  const tree = new KeyTreeProvider(engines, viewer);
  const vaultRenewer = new VaultTokenRenewer(context.secrets, audit, engines);
  const rotation = rotationCommands({ engines, audit, secrets: context.secrets });
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
    ...Object.entries(rotation).map(([id, handler]) => vscode.commands.registerCommand(id, handler)),
    ...registerPolicy(context, {
      engines,
      countsByKey: () => viewer.countsByKey(),
      log: { info: (m) => audit.channel.info(m), warn: (m) => audit.channel.warn(m) },
    }),
  );
  context.subscriptions.push(warnAboutVaultSettings(audit));
  audit.channel.info(
    `Encrypted Log Inspector activated; ${engines.refs.length} key source(s) configured${vscode.workspace.isTrusted ? '' : ' (Restricted Mode: workspace key sources not used)'}; no key source is loaded until something needs keys`,
  );
  return { engines, viewer, tree, audit, vaultRenewer, commandIds: [...Object.keys(COMMANDS), ...Object.keys(rotation), ...POLICY_COMMAND_IDS] };
}

export function deactivate(): void {
  /* disposables are released through context.subscriptions */
}
