/**
 * The conversation an entry belongs to — the entries of one session, trace or thread where the log
 * records one, else of one agent — as a chat transcript in time order: prompt, tool call, tool
 * result, response. Built from masked entries only; every text bounded (text.ts).
 */
import { maskEntry } from '../entry-json';
import { fieldOf } from '../json';
import type { MaskOptions } from '../masking';
import type { DecryptedEntry, LogRecord } from '../model';
import { answerOf, promptOf, toolCallOf, toolResultOf } from './content';
import type { LogView } from './log-view';
import { boundedBlock, compactJson } from './text';
import type { Conversation, ConversationKey, TranscriptItem, TranscriptRole } from './types';

export type { Conversation, ConversationKey, TranscriptItem, TranscriptRole } from './types';

/** Fields naming a conversation, most specific first; looked up in `metadata`, then at the record's top level. */
const KEY_FIELDS = ['session_id', 'sessionId', 'conversation_id', 'thread_id', 'trace_id', 'traceId', 'session', 'conversation', 'thread'] as const;

export function conversationKeyOf(r: LogRecord): ConversationKey | null {
  for (const field of KEY_FIELDS) {
    const v = r.metadata?.[field] ?? fieldOf(r.raw, field);
    if (typeof v === 'string' && v !== '') return { field, value: v };
    if (typeof v === 'number') return { field, value: String(v) };
  }
  return r.agentId ? { field: 'agent_id', value: r.agentId } : null;
}

function sameKey(r: LogRecord, k: ConversationKey): boolean {
  const o = conversationKeyOf(r);
  return o !== null && o.field === k.field && o.value === k.value;
}

export interface ConversationLimits {
  /** Entries searched on either side of the selected one. */
  window: number;
  /** Entries gathered at most (the nearest to the selected one). */
  maxEntries: number;
  /** Characters per transcript item. */
  maxChars: number;
}

export const DEFAULT_CONVERSATION_LIMITS: ConversationLimits = { window: 10_000, maxEntries: 120, maxChars: 4000 };

/**
 * Entries of the same conversation as `index`: the window around it is read outward in blocks,
 * alternately before and after, until `maxEntries` are found or the window is read.
 */
export async function conversationMembers(view: LogView, index: number, signal: AbortSignal, limits: ConversationLimits): Promise<{ key: ConversationKey | null; entries: number[]; truncated: boolean }> {
  const [rec] = await view.session.readRecords(index, 1);
  if (!rec) return { key: null, entries: [], truncated: false };
  const key = conversationKeyOf(rec);
  if (!key) return { key: null, entries: [index], truncated: false };
  const total = view.entryCount;
  const lo = Math.max(0, index - limits.window);
  const hi = Math.min(total, index + limits.window + 1);
  const found: number[] = [index];
  const step = 1024;
  let before = index; // [before, after) has been read
  let after = index + 1;
  while ((before > lo || after < hi) && found.length < limits.maxEntries && !signal.aborted) {
    if (after < hi) {
      const n = Math.min(step, hi - after);
      for (const r of await view.session.readRecords(after, n)) if (sameKey(r, key)) found.push(r.index);
      after += n;
    }
    if (before > lo) {
      const n = Math.min(step, before - lo);
      for (const r of await view.session.readRecords(before - n, n)) if (sameKey(r, key)) found.push(r.index);
      before -= n;
    }
  }
  found.sort((a, b) => Math.abs(a - index) - Math.abs(b - index) || a - b);
  const entries = found.slice(0, limits.maxEntries).sort((a, b) => a - b);
  return { key, entries, truncated: found.length > entries.length || before > 0 || after < total };
}

function block(index: number, time: string | null, role: TranscriptRole, text: string, max: number, title: string | null = null): TranscriptItem {
  const b = boundedBlock(text, max);
  return { index, time, role, title, text: b.text, cut: b.cut };
}

/** One entry's transcript items from its masked rendering. */
export function transcriptOf(e: DecryptedEntry, mask: MaskOptions, maxChars: number): TranscriptItem[] {
  const m = maskEntry(e, mask);
  const t = e.timestamp;
  const items: TranscriptItem[] = [];
  const prompt = promptOf(m.request);
  const tool = toolCallOf(m.request);
  if (prompt !== undefined) items.push(block(e.index, t, 'prompt', prompt, maxChars));
  if (tool) items.push(block(e.index, t, 'tool-call', compactJson(tool.args, maxChars + 1), maxChars, tool.name));
  if (prompt === undefined && !tool && m.request !== null) items.push(block(e.index, t, 'prompt', compactJson(m.request, maxChars + 1), maxChars));
  const result = toolResultOf(m.response);
  if (result !== undefined) items.push(block(e.index, t, 'tool-result', compactJson(result, maxChars + 1), maxChars));
  const answer = answerOf(m.response);
  if (answer !== undefined) items.push(block(e.index, t, 'response', answer, maxChars));
  else if (result === undefined && m.response !== null) items.push(block(e.index, t, 'response', compactJson(m.response, maxChars + 1), maxChars));
  if (e.status === 'error' || m.plain.error) items.push(block(e.index, t, 'error', `${e.status === 'error' ? `${e.reason ?? 'error'}: ` : ''}${m.plain.error ?? ''}`, maxChars));
  return items;
}

/** The transcript of the conversation `index` belongs to, masked with `mask`. */
export async function conversationOf(view: LogView, index: number, mask: MaskOptions, signal: AbortSignal, limits: ConversationLimits = DEFAULT_CONVERSATION_LIMITS): Promise<Conversation> {
  const { key, entries, truncated } = await conversationMembers(view, index, signal, limits);
  const got = await view.entries(entries, { signal });
  const ordered = [...got.values()].sort((a, b) => {
    const ta = a.timestamp ? Date.parse(a.timestamp) : NaN;
    const tb = b.timestamp ? Date.parse(b.timestamp) : NaN;
    if (Number.isNaN(ta) || Number.isNaN(tb) || ta === tb) return a.index - b.index;
    return ta - tb;
  });
  return { key, entries: ordered.map((e) => e.index), items: ordered.flatMap((e) => transcriptOf(e, mask, limits.maxChars)), truncated };
}
