/** The viewer's model, pure (no 'vscode'): per-file state, queries, rows, conversations. */
export { LogView, type Columns, type DecryptOptions, type Facets, type LogViewChange } from './log-view';
export { bucketize, type HistogramBucket } from './histogram';
export { CompiledFilter, filtersActive, findFailure, orderedEntries, scanFilter, sessionSource, type EntrySource, type FailureHit, type Filters, type ScanProgress } from './log-query';
export { ViewOrder, isSortOrder, SORT_COLUMNS, type SortColumn, type SortOrder } from './view-order';
export { keyDisplay, rowContentOf, rowOf, RowContentCache, PREVIEW_MASK_BUDGET_MS, type RowContent, type RowContext, type RowStatus, type RowSummary } from './rows';
export { conversationKeyOf, conversationOf, transcriptOf, DEFAULT_CONVERSATION_LIMITS, type Conversation, type ConversationKey, type ConversationLimits, type TranscriptItem, type TranscriptRole } from './conversation';
export { answerOf, promptOf, promptPreview, responsePreview, toolCallOf, toolResultOf, PREVIEW_CHARS } from './content';
export { boundedBlock, compactJson, oneLine } from './text';
export { copyText, detailJson, entryDetail, maskingLabel } from './detail';
export { validLayout } from './layout';
export { CATEGORY_LABELS, MaskState } from './mask-state';
export type { ColumnLayout, CopyWhat, EntryDetail, MaskCategoryState, ViewerLayout } from './types';
