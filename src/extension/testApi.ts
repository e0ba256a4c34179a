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
}

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
