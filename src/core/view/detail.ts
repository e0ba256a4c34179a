/** What the detail pane and the copy actions show of one decrypted entry: masked unless revealed. */
import { maskEntry } from '../entry-json';
import { parseJson, stringifyJson } from '../json';
import { unmaskedOptions, type MaskOptions } from '../masking';
import type { DecryptedEntry, KeyVersionInfo } from '../model';
import { keyDisplay } from './rows';
import { answerOf, promptOf } from './content';
import type { CopyWhat, EntryDetail } from './types';

export function entryDetail(e: DecryptedEntry, revealed: boolean, opts: MaskOptions, keyInfo?: KeyVersionInfo): EntryDetail {
  const r = e.record;
  const k = keyDisplay(r, e.key, keyInfo);
  const m = revealed ? null : maskEntry(e, opts);
  const json = (v: unknown): string | null => (v === null || v === undefined ? null : stringifyJson(v));
  return {
    index: e.index,
    line: e.line,
    id: e.id,
    time: e.timestamp,
    agent: r.agentId,
    type: r.interactionType,
    model: m ? m.plain.model : r.modelIdentifier,
    latencyMs: r.latencyMs,
    tokenUsage: r.tokenUsage,
    metadata: m ? m.plain.metadata : r.metadata,
    key: e.key,
    keyText: k.text,
    keyTitle: k.title,
    status: e.status,
    reason: e.reason,
    error: m ? m.plain.error : (e.error ?? r.error),
    requestJson: json(m ? m.request : e.request),
    responseJson: json(m ? m.response : e.response),
    maskOverBudget: m?.overBudget ?? false,
    revealed,
  };
}

/** What a copy holds, for the copy itself and the audit: `masked`, `masked except email, phone`, `unmasked`. */
export function maskingLabel(revealed: boolean, unmaskedCategories: readonly string[]): string {
  return revealed ? 'unmasked' : unmaskedCategories.length > 0 ? `masked except ${unmaskedCategories.join(', ')}` : 'masked';
}

/** An entry as JSON, as the detail pane shows it, saying what masking it holds. */
export function detailJson(d: EntryDetail, label: string): string {
  const { requestJson, responseJson, keyText: _text, keyTitle: _title, ...rest } = d;
  const tree = (t: string | null) => (t === null ? null : parseJson(t));
  return stringifyJson({ ...rest, request: tree(requestJson), response: tree(responseJson), masking: label });
}

/** The text a copy of an entry's prompt, response or whole entry puts on the clipboard. */
export function copyText(e: DecryptedEntry, what: CopyWhat, opts: MaskOptions, revealed: boolean): string {
  const d = entryDetail(e, revealed, revealed ? unmaskedOptions() : opts);
  if (what === 'entry') return detailJson(d, revealed ? 'revealed, unmasked' : 'masked');
  const m = maskEntry(e, revealed ? unmaskedOptions() : opts);
  if (what === 'prompt') return promptOf(m.request) ?? (m.request === null ? '' : stringifyJson(m.request));
  return answerOf(m.response) ?? (m.response === null ? '' : stringifyJson(m.response));
}
