/** Driving a ViewerPanel through its webview protocol from the host tests, as the webview does. */
import type { ViewerPanel } from '../../src/extension/viewer';
import type { HostMessage, Requests, RowSummary } from '../../src/shared/protocol';

let nextId = 1_000_000;

/** Sends a request as the webview would and returns the result of its reply (throws the reply's error). */
export async function ask<M extends keyof Requests>(p: ViewerPanel, method: M, params: Requests[M]['params']): Promise<Requests[M]['result']> {
  const id = nextId++;
  await p.handle({ type: 'request', id, method, params } as Parameters<ViewerPanel['handle']>[0]);
  for (let i = p.posted.length - 1; i >= 0; i--) {
    const m = p.posted[i]!;
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
  for (const msg of p.posted) {
    const rows = msg.type === 'rowsUpdate' ? msg.rows : msg.type === 'reply' ? (msg.result as { rows?: RowSummary[] } | undefined)?.rows : undefined;
    if (Array.isArray(rows)) for (const r of rows) m.set(r.index, r);
  }
  return m;
}

export function lastOf<T extends HostMessage['type']>(p: ViewerPanel, type: T): Extract<HostMessage, { type: T }> | undefined {
  for (let i = p.posted.length - 1; i >= 0; i--) if (p.posted[i]?.type === type) return p.posted[i] as Extract<HostMessage, { type: T }>;
  return undefined;
}
