/**
 * The Encrypted Log Viewer webview: a virtualized table with masked prompt/response previews that
 * pulls pages of rows from the host (typed requests, src/shared/rpc.ts), resizable / hideable /
 * sortable columns remembered per workspace, a detail pane, a conversation view, row actions
 * (context menu and keys), masking toolbar, filters, search with progress/cancel, failure
 * navigation, histogram and state restore (setState). Runs in the webview (DOM, no Node). Every text
 * from the log goes in through text nodes.
 */
import type { Conversation, CopyWhat, EntryDetail, Filters, HistogramBucket, HostMessage, MaskCategoryState, Requests, RowSummary, SortColumn, WebviewMessage, WebviewPersistedState } from '../src/shared/protocol';
import { RequestClient } from '../src/shared/rpc';
import { fieldOf } from '../src/core/json';
import { COLUMNS, ColumnModel } from './columns';
import { renderConversation } from './conversation';
import { button, el, fmtTime } from './dom';
import { jsonNode, jsonOf } from './json-tree';
import { closeMenu, openMenu, type MenuItem } from './menu';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
const post = (m: WebviewMessage): void => vscode.postMessage(m);
const rpc = new RequestClient<Requests>((m) => vscode.postMessage(m));

const ROW_H = 22;
const MAX_PX = 15_000_000;

// ---------------------------------------------------------------- state
let entryCount = 0;
let viewCount = 0;
let format = '';
let fileName = '';
const rows = new Map<number, RowSummary>(); // by view position
let requestedRange: [number, number] = [-1, -1];
let selected: number | null = null; // entry index
let selectedPos: number | null = null;
let filters: Filters = {};
let pane: 'none' | 'detail' | 'conversation' = 'none';
let scanId = 0;
let mask: MaskCategoryState[] = [];
const persisted = (vscode.getState() as WebviewPersistedState | undefined) ?? undefined;
let restored = false;
/** Select the first entry once rows arrive (the first screen of a fresh editor). */
let selectFirst = false;
const columns = new ColumnModel((layout) => post({ type: 'saveLayout', layout }));

const app = document.getElementById('app')!;
const banner = el('div', { id: 'banner', class: 'banner hidden' });
const notice = el('div', { id: 'notice', class: 'notice hidden' });

// ---------------------------------------------------------------- toolbar: search + filters
const searchInput = el('input', { id: 'search', type: 'search', placeholder: 'Search decrypted content… ( / )', 'aria-label': 'Search decrypted content' });
const searchBtn = button('Search', 'Search decrypted entries (Enter)', () => applyFromInputs(), 'search-btn');
const cancelBtn = button('Cancel', 'Cancel the running search', () => post({ type: 'cancelScan' }), 'cancel-btn');
cancelBtn.disabled = true;
const progress = el('span', { id: 'progress', class: 'progress', role: 'status' });
const fromInput = el('input', { id: 'f-from', type: 'text', placeholder: 'from (ISO time)', 'aria-label': 'From time', size: '18' });
const toInput = el('input', { id: 'f-to', type: 'text', placeholder: 'to (ISO time)', 'aria-label': 'To time', size: '18' });
const agentSel = el('select', { id: 'f-agent', 'aria-label': 'Agent' });
const modelSel = el('select', { id: 'f-model', 'aria-label': 'Model' });
const typeSel = el('select', { id: 'f-type', 'aria-label': 'Interaction type' });
const statusSel = el('select', { id: 'f-status', 'aria-label': 'Status' });
const keySel = el('select', { id: 'f-key', 'aria-label': 'Key version' });
function fillSelect(s: HTMLSelectElement, any: string, values: string[], current?: string): void {
  s.replaceChildren(el('option', { value: '' }, any), ...values.map((v) => el('option', { value: v }, v)));
  if (current && !values.includes(current)) s.append(el('option', { value: current }, current));
  s.value = current ?? '';
}
fillSelect(agentSel, 'any agent', []);
fillSelect(modelSel, 'any model', []);
fillSelect(typeSel, 'any type', []);
fillSelect(keySel, 'any key', []);
statusSel.replaceChildren(el('option', { value: '' }, 'any status'), el('option', { value: 'ok' }, 'ok'), el('option', { value: 'error' }, 'failed'));
for (const s of [agentSel, modelSel, typeSel, statusSel, keySel]) s.addEventListener('change', () => applyFromInputs());
const clearBtn = button('Clear', 'Clear search and filters', () => {
  searchInput.value = '';
  fromInput.value = '';
  toInput.value = '';
  for (const s of [agentSel, modelSel, typeSel, statusSel, keySel]) s.value = '';
  applyFromInputs();
}, 'clear-btn');
const prevFail = button('◀ Failure', 'Previous failed entry (Shift+F8)', () => void gotoFailure(-1), 'prev-failure');
const nextFail = button('Failure ▶', 'Next failed entry (F8)', () => void gotoFailure(1), 'next-failure');
const exportBtn = button('Export…', 'Export the shown entries as masked JSON lines', () => post({ type: 'exportFiltered' }), 'export-btn');
const columnsBtn = button('Columns ▾', 'Show or hide columns', () => {
  const r = columnsBtn.getBoundingClientRect();
  columnsMenu(r.left, r.bottom);
}, 'columns-btn');
searchInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') applyFromInputs();
  if (e.key === 'Escape') {
    post({ type: 'cancelScan' });
    viewport.focus();
  }
});
for (const i of [fromInput, toInput]) i.addEventListener('keydown', (e) => e.key === 'Enter' && applyFromInputs());

const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Search and filters' },
  searchInput, searchBtn, cancelBtn, progress, el('span', { class: 'sep' }),
  fromInput, toInput, agentSel, modelSel, typeSel, statusSel, keySel, clearBtn, el('span', { class: 'sep' }),
  prevFail, nextFail, exportBtn, columnsBtn);
const maskbar = el('div', { class: 'maskbar', id: 'maskbar', role: 'group', 'aria-label': 'Masking' });
const histogram = el('div', { class: 'histogram', id: 'histogram', 'aria-label': 'Entries over time' });

// ---------------------------------------------------------------- table
const header = el('div', { class: 'row header', role: 'row', id: 'header' });
const viewport = el('div', { class: 'viewport', id: 'viewport', tabindex: '0', role: 'grid', 'aria-label': 'Log entries (j/k move, Enter opens, c conversation, / search, Shift+F10 actions)' });
const spacer = el('div', { class: 'spacer' });
const rowsBox = el('div', { class: 'rows', id: 'rows' });
viewport.append(spacer, rowsBox);
const table = el('div', { class: 'table' }, header, viewport);
header.addEventListener('contextmenu', (e) => {
  e.preventDefault();
  columnsMenu(e.clientX, e.clientY);
});

function applyGrid(): void {
  document.documentElement.style.setProperty('--grid', columns.template());
  document.documentElement.style.setProperty('--table-min', `${columns.minWidth()}px`);
}

function renderColumns(): void {
  applyGrid();
  columns.renderHeader(header, { sort: (c) => void sortBy(c), resize: applyGrid, menu: columnsMenu, leave: () => viewport.focus() });
  renderRows();
}

function columnsMenu(x: number, y: number): void {
  openMenu(x, y, columnsItems(), 'Columns');
}
function columnsItems(): MenuItem[] {
  return columns.layout().columns.map((c) => ({
    id: `col-${c.id}`,
    label: COLUMNS.find((d) => d.id === c.id)?.label ?? c.id,
    checked: !c.hidden,
    run: () => {
      columns.setHidden(c.id, !c.hidden);
      renderColumns();
    },
  }));
}

async function sortBy(column: SortColumn): Promise<void> {
  const next = columns.nextSort(column);
  columns.setSort(next);
  renderColumns();
  progress.textContent = next ? `sorting by ${column}…` : '';
  await rpc.request('sort', { sort: next });
  progress.textContent = next ? `sorted by ${column}${next.descending ? ' (descending)' : ''}` : '';
}

// ---------------------------------------------------------------- detail / conversation pane
const detail = el('div', { class: 'detail hidden', id: 'detail', role: 'region', 'aria-label': 'Entry detail' });
const statusLine = el('div', { class: 'statusline', id: 'statusline' });

app.append(banner, notice, toolbar, maskbar, histogram, table, detail, statusLine);

// ---------------------------------------------------------------- table rendering
function scale(): number {
  const full = viewCount * ROW_H;
  return full > MAX_PX ? MAX_PX / full : 1;
}
function visibleCount(): number {
  return Math.ceil(viewport.clientHeight / ROW_H) + 1;
}
function firstVisible(): number {
  return Math.floor(viewport.scrollTop / scale() / ROW_H);
}

function renderRows(): void {
  spacer.style.height = `${Math.max(viewCount * ROW_H * scale(), 1)}px`;
  const first = firstVisible();
  const n = visibleCount();
  const virtTop = viewport.scrollTop / scale();
  rowsBox.style.transform = `translateY(${viewport.scrollTop + (first * ROW_H - virtTop)}px)`;
  const frag = document.createDocumentFragment();
  const cols = columns.visible();
  let missing = false;
  for (let p = first; p < Math.min(viewCount, first + n); p++) {
    const r = rows.get(p);
    if (!r) missing = true;
    frag.append(rowEl(p, r, cols));
  }
  rowsBox.replaceChildren(frag);
  if (missing) requestRows(first, n);
  updateStatusLine();
}

function rowEl(pos: number, r: RowSummary | undefined, cols: ReturnType<ColumnModel['visible']>): HTMLElement {
  const d = el('div', { class: 'row', role: 'row', 'data-pos': String(pos) });
  if (!r) {
    d.classList.add('loading');
    d.append(el('div', { class: 'cell c-num' }, String(pos + 1)), el('div', { class: 'cell muted' }, '…'));
    return d;
  }
  d.dataset.index = String(r.index);
  d.dataset.status = r.status;
  if (r.status === 'error') d.classList.add('failed');
  else if (r.recordError) d.classList.add('warn');
  if (r.status === 'pending') d.classList.add('pending');
  if (r.index === selected) {
    d.classList.add('selected');
    d.setAttribute('aria-selected', 'true');
  }
  for (const c of cols) {
    const { text, title } = c.cell(r);
    const cell = el('div', { class: `cell c-${c.id}`, role: 'gridcell' }, text);
    if (title) cell.title = title;
    d.append(cell);
  }
  d.addEventListener('click', () => select(r.index, pos, true));
  d.addEventListener('contextmenu', (e) => {
    e.preventDefault();
    select(r.index, pos, pane === 'detail');
    rowMenu(e.clientX, e.clientY, r.index);
  });
  return d;
}

let rowsTimer: number | undefined;
function requestRows(first: number, n: number): void {
  const from = Math.max(0, first - 10);
  const to = Math.min(viewCount, first + n + 30);
  if (from >= requestedRange[0] && to <= requestedRange[1] && rowsTimer !== undefined) return;
  if (rowsTimer !== undefined) clearTimeout(rowsTimer);
  rowsTimer = window.setTimeout(() => {
    rowsTimer = undefined;
    requestedRange = [from, to];
    void rpc.latest('getRows', { from, count: to - from }).promise.then((res) => {
      if (!res) return; // a newer viewport asked since
      viewCount = res.viewCount;
      for (const r of res.rows) rows.set(r.pos, r);
      renderRows();
      if (pendingSelectPos !== null) {
        const r = rows.get(pendingSelectPos);
        if (r) {
          const p = pendingSelectPos;
          pendingSelectPos = null;
          select(r.index, p, pane === 'detail');
        }
      }
      if (selectFirst && rows.get(0) && selected === null) {
        selectFirst = false;
        select(rows.get(0)!.index, 0, true);
      }
    });
  }, 30);
}

function updateStatusLine(): void {
  const shown = viewCount === entryCount ? `${entryCount.toLocaleString()} entries` : `${viewCount.toLocaleString()} of ${entryCount.toLocaleString()} entries shown`;
  const sort = columns.sort ? ` · sorted by ${columns.sort.column}${columns.sort.descending ? ' ▼' : ' ▲'}` : '';
  statusLine.textContent = `${fileName} · ${format} · ${shown}${sort}${selected !== null ? ` · entry ${selected + 1} selected` : ''}`;
}

viewport.addEventListener('scroll', () => {
  renderRows();
  saveState();
});
window.addEventListener('resize', () => renderRows());

// ---------------------------------------------------------------- selection, keyboard, row actions
function select(index: number, pos: number | null, open: boolean): void {
  selected = index;
  selectedPos = pos;
  post({ type: 'select', index });
  if (open) openDetail(index);
  else if (pane === 'conversation') markCurrentMessage();
  renderRows();
  saveState();
}

function ensureVisible(pos: number): void {
  const s = scale();
  const top = pos * ROW_H * s;
  if (top < viewport.scrollTop) viewport.scrollTop = top;
  else if (top + ROW_H > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = top - viewport.clientHeight + ROW_H * 2;
}

function moveTo(pos: number): void {
  pos = Math.max(0, Math.min(viewCount - 1, pos));
  ensureVisible(pos);
  renderRows();
  const r = rows.get(pos);
  if (r) select(r.index, pos, pane === 'detail');
  else {
    selectedPos = pos;
    pendingSelectPos = pos;
  }
}
let pendingSelectPos: number | null = null;

function rowMenu(x: number, y: number, index: number): void {
  const copy = (what: CopyWhat, unmasked = false) => () => void rpc.request('copy', { index, what, unmasked });
  openMenu(x, y, [
    { id: 'open-detail', label: 'Open Entry', hint: 'Enter', run: () => openDetail(index) },
    { id: 'open-conversation', label: 'Open Conversation', hint: 'C', run: () => void openConversation(index) },
    null,
    { id: 'copy-prompt', label: 'Copy Prompt (masked)', hint: 'Y', run: copy('prompt') },
    { id: 'copy-response', label: 'Copy Response (masked)', hint: 'Shift+Y', run: copy('response') },
    { id: 'copy-entry', label: 'Copy Entry as JSON (masked)', run: copy('entry') },
    null,
    { id: 'copy-prompt-unmasked', label: 'Copy Prompt Unmasked…', run: copy('prompt', true) },
    { id: 'copy-response-unmasked', label: 'Copy Response Unmasked…', run: copy('response', true) },
    null,
    { id: 'reveal', label: 'Reveal Entry…', run: () => void rpc.request('reveal', { index }) },
  ], `Actions for entry ${index + 1}`);
}

function rowMenuAtSelection(): void {
  if (selected === null) return;
  const rowNode = selectedPos !== null ? rowsBox.querySelector<HTMLElement>(`.row[data-pos="${selectedPos}"]`) : null;
  const r = (rowNode ?? viewport).getBoundingClientRect();
  rowMenu(r.left + 40, r.bottom, selected);
}

viewport.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const cur = selectedPos ?? firstVisible() - 1;
  const page = Math.max(1, visibleCount() - 2);
  let handled = true;
  if (e.key === 'ArrowDown' || e.key === 'j') moveTo(cur + 1);
  else if (e.key === 'ArrowUp' || e.key === 'k') moveTo(cur - 1);
  else if (e.key === 'PageDown') moveTo(cur + page);
  else if (e.key === 'PageUp') moveTo(cur - page);
  else if (e.key === 'Home') moveTo(0);
  else if (e.key === 'End') moveTo(viewCount - 1);
  else if (e.key === 'Enter' && selected !== null) openDetail(selected);
  else if (e.key === 'c' && selected !== null) void openConversation(selected);
  else if (e.key === 'y' && selected !== null) void rpc.request('copy', { index: selected, what: 'prompt' });
  else if (e.key === 'Y' && selected !== null) void rpc.request('copy', { index: selected, what: 'response' });
  else if (e.key === '/') {
    searchInput.focus();
    searchInput.select();
  } else if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) rowMenuAtSelection();
  else if (e.key === 'Escape') closePane();
  else if (e.key === 'F8') void gotoFailure(e.shiftKey ? -1 : 1);
  else handled = false;
  if (handled) e.preventDefault();
});

// ---------------------------------------------------------------- filters & search
function readInputs(): Filters {
  const f: Filters = {};
  if (searchInput.value.trim()) f.text = searchInput.value.trim();
  if (fromInput.value.trim()) f.from = fromInput.value.trim();
  if (toInput.value.trim()) f.to = toInput.value.trim();
  if (agentSel.value) f.agent = agentSel.value;
  if (modelSel.value) f.model = modelSel.value;
  if (typeSel.value) f.type = typeSel.value;
  if (statusSel.value) f.status = statusSel.value as 'ok' | 'error';
  if (keySel.value) f.key = keySel.value;
  return f;
}
function writeInputs(f: Filters): void {
  searchInput.value = f.text ?? '';
  fromInput.value = f.from ?? '';
  toInput.value = f.to ?? '';
  agentSel.value = f.agent ?? '';
  modelSel.value = f.model ?? '';
  typeSel.value = f.type ?? '';
  statusSel.value = f.status ?? '';
  keySel.value = f.key ?? '';
}
function applyFromInputs(): void {
  applyFilters(readInputs());
}
function applyFilters(f: Filters): void {
  filters = f;
  cancelBtn.disabled = false;
  progress.textContent = 'searching…';
  progress.dataset.finished = '0'; // until this request's own progress arrives
  delete progress.dataset.matches;
  scanId = rpc.latest('applyFilters', { filters: f }).id;
  saveState();
}

async function gotoFailure(direction: 1 | -1): Promise<void> {
  progress.textContent = direction > 0 ? 'finding next failure…' : 'finding previous failure…';
  const hit = await rpc.latest('findFailure', { fromIndex: selected ?? (direction > 0 ? -1 : entryCount), direction }).promise;
  if (!hit) return;
  if (hit.index === null) progress.textContent = `no further failure (${hit.searched} searched)`;
  else {
    progress.textContent = `failure at entry ${hit.index + 1}`;
    if (hit.pos !== null) {
      ensureVisible(hit.pos);
      select(hit.index, hit.pos, true);
    }
  }
}

// ---------------------------------------------------------------- masking
function renderMask(): void {
  maskbar.replaceChildren(el('span', { class: 'label' }, 'Masked:'));
  for (const m of mask) {
    const id = `mask-${m.id}`;
    const cb = el('input', { type: 'checkbox', id, 'data-category': m.id });
    cb.checked = m.masked;
    cb.addEventListener('change', () => void rpc.request('setMask', { categories: { [m.id]: cb.checked } }));
    maskbar.append(el('label', { class: `mask-toggle${m.masked ? '' : ' off'}`, for: id }, cb, m.label));
  }
  const allMasked = mask.every((m) => m.masked);
  maskbar.append(el('span', { class: allMasked ? 'mask-state ok' : 'mask-state warn', id: 'mask-state' }, allMasked ? 'all masked' : 'some categories shown unmasked in this editor (audited)'));
}

// ---------------------------------------------------------------- histogram
function renderHistogram(buckets: HistogramBucket[]): void {
  histogram.replaceChildren();
  const max = Math.max(1, ...buckets.map((b) => b.count));
  for (const b of buckets) {
    const bar = el('div', { class: 'bar', title: `${fmtTime(b.start)} – ${fmtTime(b.end)}: ${b.count} entries, ${b.failures} failed`, role: 'button', tabindex: '-1' });
    const h = Math.round((b.count / max) * 100);
    const f = b.count ? Math.round((b.failures / b.count) * h) : 0;
    bar.append(el('div', { class: 'fill' }), el('div', { class: 'fail' }));
    (bar.children[0] as HTMLElement).style.height = `${h}%`;
    (bar.children[1] as HTMLElement).style.height = `${f}%`;
    bar.addEventListener('click', () => {
      fromInput.value = b.start;
      toInput.value = b.end;
      applyFromInputs();
    });
    histogram.append(bar);
  }
}

// ---------------------------------------------------------------- detail pane
function section(title: string, body: Node | string, cls = ''): HTMLElement {
  return el('div', { class: `section ${cls}` }, el('h3', {}, title), typeof body === 'string' ? el('pre', {}, body) : body);
}

function renderDetail(d: EntryDetail | null): void {
  detail.classList.remove('hidden');
  if (!d) {
    detail.replaceChildren(el('div', { class: 'muted' }, 'Entry not available.'));
    return;
  }
  const unmaskedCats = mask.filter((c) => !c.masked);
  const head = el('div', { class: 'detail-head' },
    el('strong', {}, `Entry ${d.index + 1}`),
    el('span', { class: 'muted', title: d.keyTitle ?? '' }, ` line ${d.line + 1} · ${d.id ?? 'no id'} · ${fmtTime(d.time)} · key ${d.keyText ?? d.key ?? '—'}`),
    el('span', { class: d.revealed || unmaskedCats.length ? 'badge warn' : 'badge', id: 'detail-mask-badge' }, d.revealed ? 'REVEALED (unmasked)' : unmaskedCats.length ? `unmasked: ${unmaskedCats.map((c) => c.label).join(', ')}` : 'masked'),
    el('span', { class: 'grow' }),
    button('Conversation', 'Show the conversation this entry belongs to (C)', () => void openConversation(d.index), 'conversation-btn'),
    ...(d.revealed ? [] : [button('Reveal…', 'Show this entry unmasked (asks for confirmation, audited)', () => void rpc.request('reveal', { index: d.index }), 'reveal-btn')]),
    button('Copy JSON', 'Copy this entry as JSON, as shown here (the copy says which categories are unmasked)', () => void rpc.request('copy', { index: d.index, what: 'entry' }), 'copy-btn'),
    button('✕', 'Close (Escape)', () => closePane(), 'close-detail'),
  );
  const parts: Node[] = [head];
  if (d.status === 'error' || d.error) parts.push(section(d.status === 'error' ? `Failed: ${d.reason ?? 'error'}` : 'Error', d.error ?? '', 'error'));
  if (d.maskOverBudget) parts.push(section('Masking incomplete', 'Masking ran out of its time budget for this entry: values not scanned in time are shown as [WITHHELD].', 'error'));
  const req = jsonOf(d.requestJson);
  const res = jsonOf(d.responseJson);
  const prompt = fieldOf(req, 'prompt');
  const content = fieldOf(res, 'content');
  const side = el('div', { class: 'side' },
    section('Prompt', typeof prompt === 'string' ? prompt : d.requestJson === null ? '(none)' : '', 'prompt'),
    section('Response', typeof content === 'string' ? content : d.responseJson === null ? '(no response)' : '', 'response'));
  parts.push(side);
  const toolName = fieldOf(req, 'tool_name');
  const toolArgs = fieldOf(req, 'tool_arguments');
  if (toolName || toolArgs) {
    parts.push(el('div', { class: 'side' },
      section(`Tool: ${typeof toolName === 'string' ? toolName : ''}`, jsonNode(toolArgs ?? null, 'arguments')),
      section('Tool result', jsonNode(fieldOf(res, 'tool_result') ?? null, 'result'))));
  }
  parts.push(el('div', { class: 'side' },
    section('Request (JSON)', jsonNode(req, 'request')),
    section('Response (JSON)', jsonNode(res, 'response'))));
  const meta: Record<string, unknown> = { agent: d.agent, type: d.type, model: d.model, latency_ms: d.latencyMs, token_usage: d.tokenUsage, metadata: d.metadata };
  parts.push(section('Metadata', jsonNode(meta, 'entry')));
  detail.replaceChildren(...parts);
}

function openDetail(index: number): void {
  pane = 'detail';
  detail.classList.remove('hidden');
  detail.dataset.pane = 'detail';
  detail.replaceChildren(el('div', { class: 'muted' }, `Decrypting entry ${index + 1}…`));
  void rpc.latest('getDetail', { index }).promise.then((d) => {
    if (d !== undefined && pane === 'detail') renderDetail(d);
  });
  saveState();
}

let conversationShown: Conversation | null = null;

async function openConversation(index: number): Promise<void> {
  pane = 'conversation';
  detail.classList.remove('hidden');
  detail.dataset.pane = 'conversation';
  detail.replaceChildren(el('div', { class: 'muted' }, `Gathering the conversation of entry ${index + 1}…`));
  saveState();
  const c = await rpc.latest('getConversation', { index }).promise;
  if (!c || pane !== 'conversation') return;
  conversationShown = c;
  detail.replaceChildren(...renderConversation(c, index, (i) => pickFromConversation(i), () => closePane()));
  detail.querySelector('.msg.current')?.scrollIntoView({ block: 'nearest' });
}

function pickFromConversation(index: number): void {
  selected = index;
  selectedPos = null;
  post({ type: 'select', index });
  markCurrentMessage();
  renderRows();
  saveState();
}

function markCurrentMessage(): void {
  if (!conversationShown) return;
  for (const m of detail.querySelectorAll<HTMLElement>('.msg')) m.classList.toggle('current', Number(m.dataset.index) === selected);
}

function closePane(): void {
  pane = 'none';
  conversationShown = null;
  detail.classList.add('hidden');
  closeMenu();
  viewport.focus();
  saveState();
}

// ---------------------------------------------------------------- state
function saveState(): void {
  const s: WebviewPersistedState = { scrollTop: viewport.scrollTop, selected, filters, detailOpen: pane === 'detail', conversation: pane === 'conversation' ? selected : null };
  vscode.setState(s);
}

function showNotice(level: string, text: string): void {
  notice.className = `notice ${level}`;
  notice.textContent = text;
  if (level === 'info') setTimeout(() => notice.classList.add('hidden'), 4000);
}

// ---------------------------------------------------------------- messages from the host
window.addEventListener('message', (ev: MessageEvent<HostMessage>) => {
  const m = ev.data;
  if (rpc.onMessage(m)) return;
  switch (m.type) {
    case 'init': {
      entryCount = m.entryCount;
      viewCount = m.viewCount;
      format = m.format;
      fileName = m.file;
      mask = m.mask;
      rows.clear();
      requestedRange = [-1, -1];
      renderMask();
      banner.replaceChildren();
      banner.classList.add('hidden');
      if (m.noKeySources || m.keyErrors.length) {
        banner.classList.remove('hidden');
        if (m.noKeySources && m.restrictedMode) banner.append(el('span', { id: 'restricted-note' }, 'Restricted Mode: key sources defined by this workspace are not used (trust the folder to use them). '));
        if (m.noKeySources) banner.append(el('span', {}, 'No key source is configured: entries cannot be decrypted. '), button('Add Key Source…', 'Add a key source (env, file, keychain, Vault)', () => post({ type: 'addKeySource' }), 'add-key-source'));
        for (const e of m.keyErrors) banner.append(el('div', {}, e));
      }
      document.body.dataset.ready = '1';
      if (!restored) {
        restored = true;
        columns.apply(m.layout);
        renderColumns();
        if (columns.sort) void rpc.request('sort', { sort: columns.sort });
        if (persisted) {
          document.body.dataset.restored = '1'; // this webview was recreated from its saved state
          writeInputs(persisted.filters ?? {});
          if (Object.keys(persisted.filters ?? {}).length) applyFilters(persisted.filters);
          requestAnimationFrame(() => {
            viewport.scrollTop = persisted.scrollTop ?? 0;
            if (persisted.selected !== null && persisted.selected !== undefined) {
              selected = persisted.selected;
              if (persisted.conversation !== null && persisted.conversation !== undefined) void openConversation(persisted.conversation);
              else if (persisted.detailOpen) openDetail(persisted.selected);
            }
            renderRows();
          });
        } else selectFirst = true;
      }
      renderRows();
      break;
    }
    case 'rowsUpdate': {
      let changed = false;
      for (const r of m.rows) {
        const cur = rows.get(r.pos);
        if (cur && cur.index === r.index) {
          rows.set(r.pos, r);
          changed = true;
        }
      }
      if (changed) renderRows();
      break;
    }
    case 'viewChanged': {
      entryCount = m.entryCount;
      const prev = viewCount;
      viewCount = m.viewCount;
      if (m.reason === 'tail' && prev <= viewCount) {
        // appended entries: keep what we have, fetch the new tail when visible
        requestedRange = [-1, -1];
      } else {
        rows.clear();
        requestedRange = [-1, -1];
        rpc.supersede('getRows');
        if (m.reason === 'filter' || m.reason === 'sort') selectedPos = null;
      }
      renderRows();
      break;
    }
    case 'scanProgress': {
      if (m.reqId !== scanId) break;
      const pct = m.total ? Math.floor((m.done / m.total) * 100) : 100;
      const what = filters.text ? `“${filters.text}”: ` : '';
      progress.textContent = m.error
        ? `search failed: ${m.error}`
        : m.finished
          ? `${what}${m.matches.toLocaleString()} match${m.matches === 1 ? '' : 'es'}${m.cancelled ? ' (cancelled)' : ''}`
          : `${what}${m.matches.toLocaleString()} matches · ${pct}%`;
      progress.dataset.matches = String(m.matches);
      progress.dataset.finished = m.finished ? '1' : '0';
      cancelBtn.disabled = m.finished;
      break;
    }
    case 'revealed':
      if (selected === m.index && pane === 'detail') renderDetail(m.detail);
      break;
    case 'mask':
      mask = m.mask;
      renderMask();
      if (pane === 'detail' && selected !== null) openDetail(selected);
      else if (pane === 'conversation' && selected !== null) void openConversation(selected);
      break;
    case 'histogram':
      renderHistogram(m.buckets);
      fillSelect(agentSel, 'any agent', m.facets.agents, filters.agent);
      fillSelect(modelSel, 'any model', m.facets.models, filters.model);
      fillSelect(typeSel, 'any type', m.facets.types, filters.type);
      fillSelect(keySel, 'any key', m.facets.keys, filters.key);
      break;
    case 'selectIndex':
      if (m.pos !== null) {
        ensureVisible(m.pos);
        select(m.index, m.pos, true);
      }
      break;
    case 'focusSearch':
      searchInput.focus();
      searchInput.select();
      break;
    case 'notice':
      showNotice(m.level, m.text);
      break;
  }
});

renderMask();
renderColumns();
post({ type: 'ready' });
viewport.focus();
