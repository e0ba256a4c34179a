/**
 * The typed protocol between the extension host (src/extension/viewer) and the log viewer webview
 * (media/webview.ts). Pure types and tiny helpers: imported by both sides, no 'vscode', no DOM.
 *
 * Flow: webview posts `ready` -> host answers `init`. The webview pulls rows by VIEW position
 * (position in the current filtered/sorted view, 0..viewCount) with the `getRows` request; the
 * reply carries the cheap record fields at once (status 'pending' when not yet decrypted) and, as
 * the visible rows are decrypted, `rowsUpdate` events follow. A newer `getRows` cancels the
 * decryption of an older one. Requests and replies go through src/shared/rpc.ts.
 */

import type { Filters } from '../core/view/filters';
import type { Conversation, CopyWhat, EntryDetail, FailureHit, HistogramBucket, MaskCategoryState, RowSummary, SortOrder, ViewerLayout } from '../core/view/types';

export type { Filters } from '../core/view/filters';
export type { ColumnLayout, Conversation, CopyWhat, ConversationKey, EntryDetail, FailureHit, HistogramBucket, MaskCategoryState, RowStatus, RowSummary, SortColumn, SortOrder, TranscriptItem, TranscriptRole, ViewerLayout } from '../core/view/types';
export { filtersActive } from '../core/view/filters';


/**
 * Requests the webview makes and what each answers. Sent as `request` messages with an id, answered
 * by one `reply` with the same id (src/shared/rpc.ts); progress of a long request (applyFilters)
 * comes as `scanProgress` events carrying its id.
 */
export type Requests = {
  getRows: { params: { from: number; count: number }; result: { rows: RowSummary[]; viewCount: number } };
  getDetail: { params: { index: number }; result: EntryDetail | null };
  applyFilters: { params: { filters: Filters }; result: { matches: number } };
  findFailure: { params: { fromIndex: number; direction: 1 | -1 }; result: FailureHit };
  sort: { params: { sort: SortOrder | null }; result: { viewCount: number } };
  getConversation: { params: { index: number }; result: Conversation };
  setMask: { params: { categories: Record<string, boolean> }; result: boolean };
  reveal: { params: { index: number }; result: boolean };
  /** Copies the prompt, the response or the whole entry (JSON); `unmasked` is a reveal (confirmed, audited). */
  copy: { params: { index: number; what: CopyWhat; unmasked?: boolean }; result: { copied: boolean; label: string } };
};

export type RequestMethod = keyof Requests;
export type RequestMessage = { [M in RequestMethod]: { type: 'request'; id: number; method: M; params: Requests[M]['params'] } }[RequestMethod];
export type ReplyMessage = { type: 'reply'; id: number; result?: unknown; error?: string };

// ----- webview -> host -----
export type WebviewMessage =
  | RequestMessage
  | { type: 'ready' }
  | { type: 'cancelScan' }
  | { type: 'addKeySource' }
  | { type: 'exportFiltered' }
  | { type: 'select'; index: number | null }
  | { type: 'saveLayout'; layout: ViewerLayout };

// ----- host -> webview -----
export type HostMessage =
  | ReplyMessage
  | {
      type: 'init';
      file: string;
      format: string;
      entryCount: number;
      viewCount: number;
      noKeySources: boolean;
      /** The workspace is untrusted (Restricted Mode): its key sources are not used. */
      restrictedMode?: boolean;
      keyErrors: string[];
      mask: MaskCategoryState[];
      filters: Filters;
      layout: ViewerLayout | null;
    }
  | { type: 'rowsUpdate'; rows: RowSummary[] }
  | { type: 'viewChanged'; entryCount: number; viewCount: number; reason: 'filter' | 'tail' | 'reset' | 'mask' | 'sort' | 'keys' }
  | { type: 'scanProgress'; reqId: number; done: number; total: number; matches: number; finished: boolean; cancelled?: boolean; error?: string }
  | { type: 'histogram'; buckets: HistogramBucket[]; facets: { agents: string[]; models: string[]; types: string[]; keys: string[] } }
  | { type: 'mask'; mask: MaskCategoryState[] }
  | { type: 'revealed'; index: number; detail: EntryDetail }
  | { type: 'selectIndex'; index: number; pos: number | null }
  | { type: 'focusSearch' }
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; text: string };

/** What the webview keeps in setState (never plaintext, never unmasked choices). */
export interface WebviewPersistedState {
  scrollTop: number;
  selected: number | null;
  filters: Filters;
  detailOpen: boolean;
  conversation?: number | null;
}
