import * as vscode from 'vscode';
import { Audit } from './audit';
import { COMMANDS, registerCommands } from './commands';
import { EngineHost } from './engineHost';
import { KeyTreeProvider } from './keyTree';
import { POLICY_COMMAND_IDS, PolicyStatus, registerPolicy, type PolicyDeps } from './policy';
import { rotationCommands } from './rotationCommands';
import { VaultTokenRenewer } from './vaultToken';
import { warnAboutVaultSettings } from './vaultSettingsWarnings';
import { FORGET_CONSENT_COMMAND, VaultAddressConsent } from './vaultAddressConsent';
import { userVaultAddress } from './config';
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
  /** The rotation-age status bar item (key metadata only). */
  policyStatus: PolicyStatus;
  /** Vault addresses named by the workspace's settings files, and the user's consent to them. */
  vaultConsent: VaultAddressConsent;
  commandIds: string[];
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const audit = new Audit();
  const engines = new EngineHost(context.secrets, audit);
  const viewer = new LogViewerProvider(context.extensionUri, audit, engines, context.workspaceState);
  const tree = new KeyTreeProvider(engines, viewer);
  const vaultRenewer = new VaultTokenRenewer(context.secrets, audit, engines);
  const rotation = rotationCommands({ engines, audit, secrets: context.secrets });
  const policyDeps: PolicyDeps = {
    engines,
    countsByKey: () => viewer.countsByKey(),
    log: { info: (m) => audit.channel.info(m), warn: (m) => audit.channel.warn(m) },
  };
  const policyStatus = new PolicyStatus(policyDeps);
  const vaultConsent = new VaultAddressConsent(context.globalState, audit, userVaultAddress);
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
    ...registerPolicy(context, policyDeps, policyStatus),
  );
  context.subscriptions.push(
    warnAboutVaultSettings(audit, vaultConsent.onDidChange),
    vaultConsent,
    vaultConsent.onDidChange(() => {
      engines.approle.invalidate();
      void engines.reset('vault address consent changed');
    }),
  );
  void vaultConsent.check().catch((e) => audit.channel.warn(`vault address check: ${(e as Error).message}`));
  audit.channel.info(
    `Encrypted Log Inspector activated; ${engines.refs.length} key source(s) configured${vscode.workspace.isTrusted ? '' : ' (Restricted Mode: workspace key sources not used)'}; no key source is loaded until something needs keys`,
  );
  return { engines, viewer, tree, audit, vaultRenewer, policyStatus, vaultConsent, commandIds: [...Object.keys(COMMANDS), ...Object.keys(rotation), ...POLICY_COMMAND_IDS, FORGET_CONSENT_COMMAND] };
}

export function deactivate(): void {
  /* disposables are released through context.subscriptions */
}
