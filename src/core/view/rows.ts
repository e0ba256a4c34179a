/**
 * Table rows: the cheap record fields, the decryption status, the key as the entry names it, and
 * masked one-line previews of prompt and response. Everything a row shows of decrypted or plaintext
 * content went through masking first.
 */
import { maskedPlainFields } from '../entry-json';
import { maskBudget, maskTextWithin, maskValue } from '../masking/mask-value';
import type { MaskOptions } from '../masking';
import type { DecryptedEntry, KeyVersionInfo, LogRecord } from '../model';
import { promptPreview, responsePreview } from './content';
import type { LogView } from './log-view';
import type { RowStatus, RowSummary } from './types';

export type { RowStatus, RowSummary } from './types';

/** Masked previews and plaintext fields of one decrypted entry (what a row needs; cached per mask state). */
export interface RowContent {
  prompt: string | null;
  response: string | null;
  model: string | null;
  error: string | null;
}

/** Previews get a shorter masking budget than the detail pane: a hostile entry cannot stall a page. */
export const PREVIEW_MASK_BUDGET_MS = 250;

/** Request and response are masked within a budget each, so a huge prompt cannot withhold the response's preview. */
export function rowContentOf(e: DecryptedEntry, mask: MaskOptions): RowContent {
  const masked = (v: unknown) => (v === null || v === undefined ? null : maskValue(v, mask, maskBudget(PREVIEW_MASK_BUDGET_MS)).value);
  const plain = maskedPlainFields(e, mask, maskBudget(PREVIEW_MASK_BUDGET_MS));
  return { prompt: promptPreview(masked(e.request)), response: responsePreview(masked(e.response)), model: plain.model, error: plain.error };
}

/** The key id the record itself names (envelope `key_id`) and the version a transit ciphertext names. */
function recordedKey(rec: LogRecord | undefined): { id: string | null; version: string | null } {
  const f = rec?.fields[0];
  if (f?.kind === 'envelope') return { id: f.data.key_id, version: null };
  if (f?.kind === 'transit') return { id: null, version: `v${f.version}` };
  return { id: null, version: null };
}

function sourceName(ref: string): string {
  return ref.replace(/^file:(?:.*[\\/])?/, '').replace(/\.key$/, '').replace(/^env:/, '$');
}

/** What the key column shows for an entry, and its tooltip. */
export function keyDisplay(rec: LogRecord | undefined, label: string | null, info: KeyVersionInfo | undefined): { text: string | null; title: string | null } {
  const recorded = recordedKey(rec);
  const id = recorded.id ?? info?.keyId ?? (info ? sourceName(info.sourceRef) : label ? sourceName(label.replace(/@[^@]*$/, '')) : null);
  if (id === null) return { text: null, title: null };
  const version = recorded.version ?? (info && info.version !== id && info.version !== 'current' ? info.version : null);
  const text = version ? `${id} · ${version}` : id;
  const lines = [`key id: ${id}`];
  if (version) lines.push(`version: ${version}`);
  if (info) {
    lines.push(`source: ${info.sourceRef}`, `label: ${info.label}`, `role: ${info.role}`);
    if (info.createdTime) lines.push(`created: ${info.createdTime}`);
  } else if (label) lines.push(`source: ${label}`);
  else lines.push('no configured key opened it');
  return { text, title: lines.join('\n') };
}

export interface RowContext {
  mask: MaskOptions;
  keyInfo: (label: string) => KeyVersionInfo | undefined;
  /** Content of the decrypted entry (masked, cached by the caller), or undefined when not at hand. */
  content: (index: number) => RowContent | undefined;
}

/** A table row for a record at a view position. */
export function rowOf(view: LogView, rec: LogRecord, pos: number, ctx: RowContext): RowSummary {
  const fail = view.failures.get(rec.index);
  let status: RowStatus = view.isFailure(rec.index) ? 'error' : view.isKnown(rec.index) ? 'ok' : 'pending';
  let reason = fail?.reason ?? null;
  const c = status === 'pending' ? undefined : ctx.content(rec.index);
  let error: string | null = c ? c.error : (fail?.error ?? rec.error ?? null);
  if (rec.parseError) {
    status = 'error';
    reason = 'corrupt';
    error = rec.parseError;
  }
  const budget = maskBudget(PREVIEW_MASK_BUDGET_MS);
  const text = (s: string | null) => (s === null ? null : maskTextWithin(s, ctx.mask, budget));
  const label = view.keyOf(rec.index);
  const key = keyDisplay(rec, label, label ? ctx.keyInfo(label) : undefined);
  const u = rec.tokenUsage;
  return {
    index: rec.index,
    pos,
    time: rec.timestamp,
    agent: rec.agentId,
    type: rec.interactionType,
    model: c ? c.model : text(rec.modelIdentifier),
    latencyMs: rec.latencyMs,
    tokens: u?.total_tokens ?? null,
    inputTokens: u?.input_tokens ?? null,
    outputTokens: u?.output_tokens ?? null,
    key: label,
    keyText: key.text,
    keyTitle: key.title,
    status,
    reason,
    error: c && !rec.parseError ? error : text(error),
    recordError: !!rec.error,
    prompt: c?.prompt ?? null,
    response: c?.response ?? null,
  };
}

/** Row contents of decrypted entries under one mask state, bounded (oldest dropped first). */
export class RowContentCache {
  private readonly m = new Map<number, RowContent>();
  constructor(private readonly max = 10_000) {}

  get(index: number): RowContent | undefined {
    return this.m.get(index);
  }

  /** The content of `e`, computed once per mask state. */
  of(e: DecryptedEntry, mask: MaskOptions): RowContent {
    let c = this.m.get(e.index);
    if (!c) {
      c = rowContentOf(e, mask);
      this.m.set(e.index, c);
      if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
    }
    return c;
  }

  clear(): void {
    this.m.clear();
  }
}
