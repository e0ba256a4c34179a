/**
 * The typed protocol between the extension host (src/extension/viewer) and the log viewer webview
 * (media/webview.ts). Pure types and tiny helpers: imported by both sides, no 'vscode', no DOM.
 *
 * Flow: webview posts `ready` -> host answers `init`. The webview pulls rows by VIEW position
 * (position in the current filtered view, 0..viewCount) with `getRows`; the host answers `rows`
 * at once with the cheap record fields (status 'pending' when not yet decrypted) and, as the
 * visible rows are decrypted, `rowsUpdate`. A newer `getRows` cancels the decryption of an older
 * one. Every request carries a `reqId` the reply echoes.
 */

export type RowStatus = 'pending' | 'ok' | 'error';

export interface RowSummary {
  /** Entry index in the file. */
  index: number;
  /** Position in the current view. */
  pos: number;
  time: string | null;
  agent: string | null;
  type: string | null;
  model: string | null;
  latencyMs: number | null;
  tokens: number | null;
  /** Key version label that opened the entry. */
  key: string | null;
  status: RowStatus;
  /** Failure reason code (no-key, wrong-key, tampered, corrupt, ...). */
  reason: string | null;
  /** Human readable error (decrypt failure or the record's own error). */
  error: string | null;
  /** The record carries its own plaintext `error` (the model call failed) though it decrypted. */
  recordError: boolean;
}

export interface EntryDetail {
  index: number;
  line: number;
  id: string | null;
  time: string | null;
  agent: string | null;
  type: string | null;
  model: string | null;
  latencyMs: number | null;
  tokenUsage: { input_tokens: number; output_tokens: number; total_tokens: number } | null;
  metadata: Record<string, string> | null;
  key: string | null;
  status: RowStatus;
  reason: string | null;
  error: string | null;
  /**
   * Decrypted request/response as exact JSON text (numbers as written, duplicate keys kept; a
   * plaintext that is not JSON comes as a JSON string), masked unless `revealed`; null when absent.
   * The webview reads them with the lossless parser of src/core/json.
   */
  requestJson: string | null;
  responseJson: string | null;
  /** Masking ran out of its per-entry time budget: values not scanned by then show as [WITHHELD]. */
  maskOverBudget: boolean;
  revealed: boolean;
}

export interface Filters {
  /** ISO strings (inclusive); empty = open. */
  from?: string;
  to?: string;
  agent?: string;
  model?: string;
  type?: string;
  status?: '' | 'ok' | 'error';
  key?: string;
  /** Text search over decrypted (masked) content, case-insensitive. */
  text?: string;
}

export function filtersActive(f: Filters): boolean {
  return !!(f.from || f.to || f.agent || f.model || f.type || f.status || f.key || f.text);
}

export interface MaskCategoryState {
  id: string;
  label: string;
  masked: boolean;
}

export interface HistogramBucket {
  start: string;
  end: string;
  count: number;
  failures: number;
}

// ----- webview -> host -----
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'getRows'; reqId: number; from: number; count: number }
  | { type: 'getDetail'; reqId: number; index: number }
  | { type: 'setMask'; categories: Record<string, boolean> }
  | { type: 'reveal'; index: number }
  | { type: 'applyFilters'; reqId: number; filters: Filters }
  | { type: 'cancelScan' }
  | { type: 'findFailure'; reqId: number; fromIndex: number; direction: 1 | -1 }
  | { type: 'copyEntry'; index: number }
  | { type: 'addKeySource' }
  | { type: 'exportFiltered' }
  | { type: 'select'; index: number | null };

// ----- host -> webview -----
export type HostMessage =
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
    }
  | { type: 'rows'; reqId: number; rows: RowSummary[]; viewCount: number }
  | { type: 'rowsUpdate'; rows: RowSummary[] }
  | { type: 'detail'; reqId: number; detail: EntryDetail | null }
  | { type: 'viewChanged'; entryCount: number; viewCount: number; reason: 'filter' | 'tail' | 'reset' | 'mask' }
  | { type: 'scanProgress'; reqId: number; done: number; total: number; matches: number; finished: boolean; cancelled?: boolean; error?: string }
  | { type: 'failureFound'; reqId: number; index: number | null; pos: number | null; searched: number }
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
}
