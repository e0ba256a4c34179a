import * as vscode from 'vscode';
import { Audit } from './audit';
import { COMMANDS, registerCommands } from './commandRegistry';
import { ExtensionSettings, userVaultAddress } from './config';
import { EngineHost } from './engineHost';
import { KeyTreeProvider } from './keyTree';
import { testApi, type TestApi } from './testApi';
import { PolicyStatus, registerPolicy } from './policy';
import { StateStore, stateDir } from '../core/rotation';
import { VaultTokenRenewer } from './vaultToken';
import { warnAboutVaultSettings } from './vaultSettingsWarnings';
import { VaultAddressConsent, windowWarning } from './vaultAddressConsent';
import { LogViewerProvider, VIEW_TYPE } from './viewer';

/**
 * What activate() returns: used by the host tests (and available to other extensions). Read-only
 * observation points: `engines.enginesCreated` (0 until key sources were needed), `audit.recent`.
 */
export interface ExtensionApi {
  settings: ExtensionSettings;
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
  /** Only when VS Code runs the extension's tests. */
  test?: TestApi;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const audit = new Audit();
  const settings = new ExtensionSettings();
  const engines = new EngineHost(context.secrets, audit, settings);
  const recorder = testApi(context);
  const viewer = new LogViewerProvider(context.extensionUri, audit, engines, context.workspaceState, recorder?.observe);
  const tree = new KeyTreeProvider(engines, viewer);
  const vaultRenewer = new VaultTokenRenewer(context.secrets, audit, settings, engines);
  const policyDeps = {
    engines,
    countsByKey: () => viewer.countsByKey(),
    log: { info: (m: string) => audit.channel.info(m), warn: (m: string) => audit.channel.warn(m) },
  };
  const policyStatus = new PolicyStatus(policyDeps, recorder?.observeStatusItem);
  const policy = registerPolicy(context, policyDeps, policyStatus);
  const vaultConsent = new VaultAddressConsent(context.globalState, audit, userVaultAddress, recorder?.observeWarnings(windowWarning));
  context.subscriptions.push(
    audit,
    settings,
    engines,
    tree,
    vaultRenewer,
    vscode.window.registerCustomEditorProvider(VIEW_TYPE, viewer, {
      supportsMultipleEditorsPerDocument: true,
      webviewOptions: { retainContextWhenHidden: false, enableFindWidget: false },
    }),
    vscode.window.createTreeView('encryptedLogs.keyVersions', { treeDataProvider: tree, showCollapseAll: true }),
    ...policy.disposables,
    ...registerCommands({ context, settings, engines, viewer, tree, audit, rotationState: new StateStore(stateDir()), policy: policy.handle, vaultConsent }),
    vaultConsent,
    // the address in effect changed: a change of settings.current.vault (the engine is recreated, the AppRole token dropped, the plain-http warning checked)
    vaultConsent.onDidChange(() => settings.refresh()),
    warnAboutVaultSettings(audit, settings),
  );
  void vaultConsent.check().catch((e) => audit.channel.warn(`vault address check: ${(e as Error).message}`));
  audit.channel.info(
    `Encrypted Log Inspector activated; ${engines.refs.length} key source(s) configured${vscode.workspace.isTrusted ? '' : ' (Restricted Mode: workspace key sources not used)'}; no key source is loaded until something needs keys`,
  );
  return { settings, engines, viewer, tree, audit, vaultRenewer, policyStatus, vaultConsent, commandIds: Object.keys(COMMANDS), ...(recorder ? { test: recorder } : {}) };
}

export function deactivate(): void {
  /* disposables are released through context.subscriptions */
}
