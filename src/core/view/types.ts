/**
 * The view's data shapes the webview sees too (through src/shared/protocol.ts): types only, no
 * imports, so the webview bundle never pulls Node code in.
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
  /** Masked. */
  model: string | null;
  latencyMs: number | null;
  tokens: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  /** Key version label that opened the entry. */
  key: string | null;
  /** The key as the column shows it: the key id the entry records (else the source's name) and the version. */
  keyText: string | null;
  /** Where that key lives (source ref, label), for the tooltip. */
  keyTitle: string | null;
  status: RowStatus;
  /** Failure reason code (no-key, wrong-key, tampered, corrupt, ...). */
  reason: string | null;
  /** Human readable error (decrypt failure or the record's own error), masked, complete. */
  error: string | null;
  /** The record carries its own plaintext `error` (the model call failed) though it decrypted. */
  recordError: boolean;
  /** Masked one-line previews; null while pending or when the entry has none. */
  prompt: string | null;
  response: string | null;
}

export interface HistogramBucket {
  start: string;
  end: string;
  count: number;
  failures: number;
}

export type SortColumn = 'time' | 'latency' | 'tokens';
export interface SortOrder {
  column: SortColumn;
  descending: boolean;
}

export interface FailureHit {
  index: number | null;
  pos: number | null;
  searched: number;
}

export interface ConversationKey {
  /** The field it came from (`session_id`, `trace_id`, …, or `agent_id`). */
  field: string;
  value: string;
}

export type TranscriptRole = 'prompt' | 'tool-call' | 'tool-result' | 'response' | 'error';

export interface TranscriptItem {
  index: number;
  time: string | null;
  role: TranscriptRole;
  /** Tool name for tool calls. */
  title: string | null;
  text: string;
  /** Characters left out of `text` (open the entry for all of it). */
  cut: number;
}

export interface Conversation {
  key: ConversationKey | null;
  /** Entries in the transcript, in time order. */
  entries: number[];
  items: TranscriptItem[];
  /** More entries belong to it than were gathered, or the search window did not cover the log. */
  truncated: boolean;
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
  /** The key as the table's column names it, and where it lives (see RowSummary). */
  keyText: string | null;
  keyTitle: string | null;
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

export interface MaskCategoryState {
  id: string;
  label: string;
  masked: boolean;
}

/** A table column the user can resize or hide; widths in CSS pixels (null: the default). */
export interface ColumnLayout {
  id: string;
  width: number | null;
  hidden: boolean;
}

/** Column widths, hidden columns and the sort order: remembered per workspace (workspaceState). */
export interface ViewerLayout {
  columns: ColumnLayout[];
  sort: SortOrder | null;
}

export type CopyWhat = 'prompt' | 'response' | 'entry';
