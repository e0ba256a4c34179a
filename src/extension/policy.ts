import * as vscode from 'vscode';
import { withSignal } from './cancellation';
import type { CommandFactory } from './commandRegistry';
import type { EngineHost } from './engineHost';
import { overdueKeys, scanPolicy, type Census, type PolicyFinding, type PolicyReport } from './policyCore';
import { POLICY_DIAGNOSTICS, publishFindings } from './policyDiagnostics';
import { deepScanSetting, POLICY_SECTION, policySettings } from './policySettings';

export const CHECK_POLICY_COMMAND = 'encryptedLogs.checkPolicy';
/** The id of the rotation-age status bar item. */
export const POLICY_STATUS_ITEM = 'encryptedLogs.policyStatus';
/** Owned by the rotation feature; the status bar item only opens it. */
export const ROTATE_KEY_COMMAND = 'encryptedLogs.rotation.newKeyVersion';

export interface PolicyDeps {
  engines: EngineHost;
  /** Entries per key label in the open logs (the viewer's census); feeds the volume trigger. */
  countsByKey?: () => { counts: Map<string, number> };
  /** Where scan summaries and setting errors are written (e.g. the audit output channel). */
  log?: { info(message: string): void; warn(message: string): void };
}

export interface PolicyScanRequest {
  /** Read whole files (and decrypt Symbiont logs' first fields to name their keys); default: setting `deepScan`. */
  deep?: boolean;
  /** Folders or files to scan; default: every workspace folder. */
  uris?: vscode.Uri[];
  /** Show a cancellable notification with progress (default true). */
  progress?: boolean;
}

export interface PolicyScanResult {
  reports: PolicyReport[];
  findings: PolicyFinding[];
  filesWithProblems: number;
  cancelled: boolean;
}

const HOUR_MS = 3_600_000;

function censusOf(deps: PolicyDeps): Census | undefined {
  const counts = deps.countsByKey?.().counts;
  if (!counts) return undefined;
  return new Map([...counts].map(([label, entries]) => [label, { entries, bytes: 0 }]));
}

/**
 * The policy scan behind "Encrypted Logs: Check Encryption Policy": scans each workspace folder in the
 * background (cancellable, with progress) and fills the `encryptedLogs.policy` diagnostics.
 */
export async function runPolicyScan(deps: PolicyDeps, collection: vscode.DiagnosticCollection, req: PolicyScanRequest = {}): Promise<PolicyScanResult> {
  const policy = policySettings((m) => {
    deps.log?.warn(m);
    void vscode.window.showWarningMessage(`Encrypted Logs: ${m}`);
  });
  const deep = req.deep ?? deepScanSetting();
  const targets = req.uris ?? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri);
  const run = async (signal: AbortSignal, report?: (message: string, increment?: number) => void): Promise<PolicyScanResult> => {
    const reports: PolicyReport[] = [];
    for (const uri of targets) {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      const baseDir = folder?.uri.fsPath ?? uri.fsPath;
      let last = 0;
      reports.push(
        await scanPolicy(
          {
            baseDir,
            paths: [uri.fsPath],
            policy,
            deep,
            keyRefs: deps.engines.refs,
            signal,
            onProgress: (p) => {
              if (!report || Date.now() - last < 200) return;
              last = Date.now();
              const file = p.file ? ` ${vscode.workspace.asRelativePath(p.file)}` : '';
              report(`${p.phase}${p.total !== undefined ? ` ${p.done}/${p.total}` : ''}${file}`);
            },
          },
          {
            versions: () => deps.engines.versions(),
            surveySymbiont: async (path, signal, onProgress) => {
              const session = await (await deps.engines.get()).open(path);
              try {
                return (await session.survey(signal, onProgress)).byKey;
              } finally {
                await session.close();
              }
            },
            census: censusOf(deps),
          },
        ),
      );
    }
    const findings = reports.flatMap((r) => r.findings);
    const filesWithProblems = publishFindings(collection, findings);
    return { reports, findings, filesWithProblems, cancelled: false };
  };
  const cancellable = (signal: AbortSignal, report?: (message: string) => void): Promise<PolicyScanResult> =>
    run(signal, report).catch((e: unknown) => {
      if (signal.aborted) return { reports: [], findings: [], filesWithProblems: 0, cancelled: true };
      throw e;
    });
  if (req.progress === false) return withSignal(undefined, (signal) => cancellable(signal));
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Encrypted Logs: checking encryption policy', cancellable: true },
    (progress, token) => withSignal(token, (signal) => cancellable(signal, (message) => progress.report({ message }))),
  );
}

/** Status bar item: shown while some primary key version is overdue (age or volume); click = rotate. */
export class PolicyStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  /** `observe`: how the test API sees the item (testApi.ts); the item itself otherwise. */
  constructor(
    private readonly deps: PolicyDeps,
    observe: (item: vscode.StatusBarItem) => vscode.StatusBarItem = (item) => item,
  ) {
    this.item = observe(vscode.window.createStatusBarItem(POLICY_STATUS_ITEM, vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'Encrypted Logs: key rotation';
  }

  /** Reads key metadata only (no key material where the source allows); hidden while nothing has needed keys. */
  async refresh(): Promise<PolicyFinding[]> {
    const snapshot = await this.deps.engines.metadata();
    const overdue = snapshot ? overdueKeys(snapshot.keys, policySettings(), new Date(), censusOf(this.deps)) : [];
    const keys = [...new Set(overdue.map((f) => f.key ?? ''))];
    if (keys.length === 0) {
      this.item.hide();
      return overdue;
    }
    const refs = [...new Set(overdue.map((f) => f.sourceRef).filter((r): r is string => !!r))];
    this.item.text = `$(key) ${keys.length} key${keys.length === 1 ? '' : 's'} due for rotation`;
    this.item.tooltip = new vscode.MarkdownString(overdue.map((f) => `- ${f.message}`).join('\n') + '\n\nClick to rotate.');
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.item.command = { command: ROTATE_KEY_COMMAND, title: 'Rotate Key', arguments: refs.length === 1 ? [refs[0]] : [] };
    this.item.show();
    return overdue;
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** What the policy command needs of what registerPolicy set up. */
export interface PolicyHandle {
  deps: PolicyDeps;
  collection: vscode.DiagnosticCollection;
  /** Recomputes the rotation status (only once key sources are loaded). */
  refresh(): void;
}

/**
 * Everything policy-related but its command: the diagnostics collection, the status bar item.
 * Returns the disposables to push into context.subscriptions and what the command needs.
 */
export function registerPolicy(_context: vscode.ExtensionContext, deps: PolicyDeps, status = new PolicyStatus(deps)): { handle: PolicyHandle; disposables: vscode.Disposable[] } {
  const collection = vscode.languages.createDiagnosticCollection(POLICY_DIAGNOSTICS);
  // Lazy: the rotation status is computed once key sources are loaded for something else (a log, the
  // view, a command); it never loads them by itself (no keychain prompt or Vault call at window start).
  const refresh = () => {
    if (!deps.engines.loaded) return;
    status.refresh().catch((e) => deps.log?.warn(`policy status: ${(e as Error).message}`));
  };
  const timer = setInterval(refresh, HOUR_MS);
  timer.unref?.();
  const disposables = [
    collection,
    status,
    { dispose: () => clearInterval(timer) },
    deps.engines.onDidReset(refresh),
    deps.engines.onDidCreate(refresh),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(POLICY_SECTION)) refresh();
    }),
  ];
  return { handle: { deps, collection, refresh }, disposables };
}

/** "Encrypted Logs: Check Encryption Policy", registered with every other command (commandRegistry.ts). */
export const POLICY_COMMANDS: Record<string, CommandFactory> = {
  [CHECK_POLICY_COMMAND]:
    ({ policy: { deps, collection, refresh } }) =>
    async (req?: PolicyScanRequest) => {
      const result = await runPolicyScan(deps, collection, typeof req === 'object' && req !== null && !(req instanceof vscode.Uri) ? req : {});
      refresh();
      if (result.cancelled) return result;
      const failing = result.findings.filter((f) => f.severity !== 'info');
      deps.log?.info(`policy check: ${failing.length} finding(s) in ${result.filesWithProblems} file(s)`);
      for (const f of result.findings.filter((x) => !x.file)) deps.log?.info(`policy: ${f.rule}: ${f.message} -> ${f.fix}`);
      if (failing.length === 0) void vscode.window.showInformationMessage('Encrypted Logs: no encryption-policy problems found.');
      else {
        void vscode.window
          .showWarningMessage(`Encrypted Logs: ${failing.length} encryption-policy finding(s). See the Problems panel.`, 'Open Problems')
          .then((pick) => (pick ? vscode.commands.executeCommand('workbench.actions.view.problems') : undefined));
      }
      return result;
    },
};
