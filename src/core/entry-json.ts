import { stringifyJson } from './json';
import type { MaskOptions } from './masking';
import { maskBudget, maskTextWithin, maskValue, type MaskBudget } from './masking/mask-value';
import type { DecryptedEntry } from './model';

/**
 * The plaintext fields that can carry PII, masked: the error shown (ours when the entry failed —
 * it may quote a JSON path — else the record's own `error`), the model name, metadata values.
 */
export interface MaskedPlainFields {
  error: string | null;
  model: string | null;
  metadata: Record<string, string> | null;
}

export function maskedPlainFields(e: DecryptedEntry, mask: MaskOptions, budget: MaskBudget): MaskedPlainFields {
  const text = (s: string | null) => (s === null ? null : maskTextWithin(s, mask, budget));
  const r = e.record;
  const metadata = r.metadata === null ? null : (maskValue(r.metadata, mask, budget).value as Record<string, string>);
  return { error: text(e.error ?? r.error), model: text(r.modelIdentifier), metadata };
}

/** Decrypted values and plaintext fields of one entry, masked within one per-entry budget. */
export interface MaskedEntry {
  request: unknown;
  response: unknown;
  plain: MaskedPlainFields;
  /** The budget ran out: values not scanned by then are `[WITHHELD]`. */
  overBudget: boolean;
}

export function maskEntry(e: DecryptedEntry, mask: MaskOptions, budget: MaskBudget = maskBudget()): MaskedEntry {
  const request = e.request == null ? null : maskValue(e.request, mask, budget).value;
  const response = e.response == null ? null : maskValue(e.response, mask, budget).value;
  const plain = maskedPlainFields(e, mask, budget);
  return { request, response, plain, overBudget: budget.exceeded };
}

/**
 * One entry as a JSON line (no newline): the shape of `enclog decrypt --json` and of the viewer's
 * export. Decrypted values are written from the lossless tree, every number as it was written.
 */
export function maskedEntryJson(e: DecryptedEntry, mask: MaskOptions, budget: MaskBudget = maskBudget()): string {
  const m = maskEntry(e, mask, budget);
  const line: Record<string, unknown> = {
    index: e.index,
    id: e.id,
    timestamp: e.timestamp,
    status: e.status,
    key: e.key,
    request: m.request,
    response: m.response,
    error: m.plain.error,
    model: m.plain.model,
    metadata: m.plain.metadata,
  };
  if (m.overBudget) line.masking = 'over-budget: values not scanned in time are [WITHHELD]';
  return stringifyJson(line);
}
