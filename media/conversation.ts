/** The conversation view: the entries of one session / trace / agent as a chat transcript (masked by the host). */
import type { Conversation, TranscriptItem } from '../src/shared/protocol';
import { button, el, fmtTime } from './dom';

const ROLE_LABEL: Record<TranscriptItem['role'], string> = {
  prompt: 'Prompt',
  'tool-call': 'Tool call',
  'tool-result': 'Tool result',
  response: 'Response',
  error: 'Error',
};

export function renderConversation(c: Conversation, selected: number | null, onPick: (index: number) => void, onClose: () => void): Node[] {
  const what = c.key ? `${c.key.field} ${c.key.value}` : 'this entry';
  const head = el('div', { class: 'detail-head' },
    el('strong', {}, 'Conversation'),
    el('span', { class: 'muted', id: 'conversation-key' }, ` ${what} · ${c.entries.length} entr${c.entries.length === 1 ? 'y' : 'ies'}${c.truncated ? ' (nearest shown)' : ''}`),
    el('span', { class: 'badge' }, 'masked'),
    el('span', { class: 'grow' }),
    button('✕', 'Close the conversation (Escape)', onClose, 'close-conversation'));
  const list = el('div', { class: 'transcript', id: 'transcript', role: 'list' });
  let last = -1;
  for (const it of c.items) {
    const first = it.index !== last;
    last = it.index;
    const bubble = el('div', { class: `msg ${it.role}${it.index === selected ? ' current' : ''}`, role: 'listitem', 'data-index': String(it.index), 'data-role': it.role, tabindex: '0' });
    const meta = `${ROLE_LABEL[it.role]}${it.title ? `: ${it.title}` : ''}${first ? ` · entry ${it.index + 1} · ${fmtTime(it.time)}` : ''}`;
    bubble.append(el('div', { class: 'msg-meta' }, meta), el('pre', { class: 'msg-text' }, it.text));
    if (it.cut > 0) bubble.append(el('div', { class: 'muted' }, '… cut here: open the entry for the rest'));
    bubble.title = `Entry ${it.index + 1}: click to select it`;
    bubble.addEventListener('click', () => onPick(it.index));
    bubble.addEventListener('keydown', (e) => e.key === 'Enter' && onPick(it.index));
    list.append(bubble);
  }
  if (!c.items.length) list.append(el('div', { class: 'muted' }, 'Nothing to show: the entries of this conversation could not be decrypted.'));
  return [head, list];
}
