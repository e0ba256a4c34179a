import * as vscode from 'vscode';
import type { HostMessage, RowSummary, WebviewMessage } from '../shared/protocol';

/** What a test sees of one webview: the protocol messages both ways (bounded) and when the first decrypted rows went out. */
export interface WebviewTrace {
  readonly createdAt: number;
  readonly posted: HostMessage[];
  readonly received: WebviewMessage[];
  firstDecryptedRowsAt?: number;
}

/** Returned by activate() only when VS Code runs the extension's tests (ExtensionMode.Test): production objects carry no test state. */
export interface TestApi {
  /** The trace of a viewer's webview panel (`ViewerPanel.panel`). */
  webview(panel: vscode.WebviewPanel): WebviewTrace | undefined;
  /** What a status bar item of ours shows now (by its id), as the user sees it; undefined if never created. */
  statusItem(id: string): StatusItemView | undefined;
  /** The warning notifications shown through `observeWarnings` (oldest first, bounded), with their actions. */
  readonly warnings: readonly ShownWarning[];
}

export interface StatusItemView {
  text: string;
  tooltip: string;
  visible: boolean;
}

export interface ShownWarning {
  message: string;
  actions: string[];
}

/** How a feature shows a warning (vscode.window.showWarningMessage); the test API records what goes through it. */
export type ShowWarning = (message: string, ...actions: string[]) => Thenable<string | undefined>;

const MAX = 2000;

/** The rows a message carries to the webview: a `rowsUpdate` event, or the reply to a `getRows` request. */
function rowsOf(m: HostMessage): RowSummary[] | undefined {
  if (m.type === 'rowsUpdate') return m.rows;
  if (m.type !== 'reply') return undefined;
  const rows = (m.result as { rows?: unknown } | undefined)?.rows;
  return Array.isArray(rows) ? (rows as RowSummary[]) : undefined;
}

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX) list.splice(0, list.length - MAX);
}

/**
 * VS Code's panel and webview objects keep their state in private fields, so a member is read and
 * called on the real object (never through the proxy as `this`).
 */
function forward<T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get: (t, p) => {
      if (Object.prototype.hasOwnProperty.call(overrides, p)) return overrides[p as keyof T];
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
    set: (t, p, v) => Reflect.set(t, p, v, t),
  });
}

/** Records what goes through the viewers' webviews: `observe` wraps a panel before the viewer uses it. */
export class WebviewRecorder implements TestApi {
  private readonly traces = new WeakMap<vscode.WebviewPanel, WebviewTrace>();
  private readonly items = new Map<string, { item: vscode.StatusBarItem; visible: boolean }>();
  readonly warnings: ShownWarning[] = [];

  /** Wraps a status bar item before its feature uses it: show()/hide() are recorded. */
  observeStatusItem = (item: vscode.StatusBarItem): vscode.StatusBarItem => {
    const state = { item, visible: false };
    this.items.set(item.id, state);
    return forward(item, {
      show: () => {
        state.visible = true;
        item.show();
      },
      hide: () => {
        state.visible = false;
        item.hide();
      },
    });
  };

  statusItem(id: string): StatusItemView | undefined {
    const s = this.items.get(id);
    if (!s) return undefined;
    const t = s.item.tooltip;
    return { text: s.item.text, tooltip: typeof t === 'string' ? t : (t?.value ?? ''), visible: s.visible };
  }

  /** Wraps how a feature shows warnings: each one is recorded, then shown. */
  observeWarnings = (show: ShowWarning): ShowWarning => (message, ...actions) => {
    push(this.warnings, { message, actions });
    return show(message, ...actions);
  };

  observe = (panel: vscode.WebviewPanel): vscode.WebviewPanel => {
    const trace: WebviewTrace = { createdAt: Date.now(), posted: [], received: [] };
    const webview = panel.webview;
    const sub = webview.onDidReceiveMessage((m: WebviewMessage) => push(trace.received, m));
    panel.onDidDispose(() => sub.dispose());
    const observedWebview = forward(webview, {
      postMessage: (m: HostMessage) => {
        push(trace.posted, m);
        if (trace.firstDecryptedRowsAt === undefined && rowsOf(m)?.some((r) => r.status !== 'pending')) trace.firstDecryptedRowsAt = Date.now();
        return webview.postMessage(m);
      },
    });
    const observed = forward(panel, { webview: observedWebview });
    this.traces.set(observed, trace);
    return observed;
  };

  webview(panel: vscode.WebviewPanel): WebviewTrace | undefined {
    return this.traces.get(panel);
  }
}

export function testApi(context: vscode.ExtensionContext): WebviewRecorder | undefined {
  return context.extensionMode === vscode.ExtensionMode.Test ? new WebviewRecorder() : undefined;
}
