/** Driving a ViewerPanel through its webview protocol from the host tests, as the webview does. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension/main';
import type { WebviewTrace } from '../../src/extension/testApi';
import type { ViewerPanel } from '../../src/extension/viewer';
import type { HostMessage, Requests, RowSummary } from '../../src/shared/protocol';

/** The protocol messages of a viewer's webview, as the extension's test API (ExtensionMode.Test) recorded them. */
export function trace(p: ViewerPanel): WebviewTrace {
  const t = vscode.extensions.getExtension<ExtensionApi>('enclog.encrypted-log-inspector')?.exports.test?.webview(p.panel);
  assert.ok(t, 'the test API (ExtensionMode.Test) traces the viewer webview');
  return t;
}

let nextId = 1_000_000;

/** Sends a request as the webview would and returns the result of its reply (throws the reply's error). */
export async function ask<M extends keyof Requests>(p: ViewerPanel, method: M, params: Requests[M]['params']): Promise<Requests[M]['result']> {
  const id = nextId++;
  await p.handle({ type: 'request', id, method, params } as Parameters<ViewerPanel['handle']>[0]);
  const posted = trace(p).posted;
  for (let i = posted.length - 1; i >= 0; i--) {
    const m = posted[i]!;
    if (m.type === 'reply' && m.id === id) {
      if (m.error !== undefined) throw new Error(m.error);
      return m.result as Requests[M]['result'];
    }
  }
  throw new Error(`no reply to ${method} #${id}`);
}

/** Every row the webview received (replies to getRows and rowsUpdate events), latest per entry. */
export function rowsSeen(p: ViewerPanel): Map<number, RowSummary> {
  const m = new Map<number, RowSummary>();
  for (const msg of trace(p).posted) {
    const rows = msg.type === 'rowsUpdate' ? msg.rows : msg.type === 'reply' ? (msg.result as { rows?: RowSummary[] } | undefined)?.rows : undefined;
    if (Array.isArray(rows)) for (const r of rows) m.set(r.index, r);
  }
  return m;
}

export function lastOf<T extends HostMessage['type']>(p: ViewerPanel, type: T): Extract<HostMessage, { type: T }> | undefined {
  const posted = trace(p).posted;
  for (let i = posted.length - 1; i >= 0; i--) if (posted[i]?.type === type) return posted[i] as Extract<HostMessage, { type: T }>;
  return undefined;
}
