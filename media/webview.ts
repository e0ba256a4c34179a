/**
 * The Encrypted Log Viewer webview: a virtualized table that pulls pages of rows from the host
 * over the typed protocol in src/shared/protocol.ts, a detail pane, masking toolbar, filters,
 * search with progress/cancel, failure navigation, histogram and state restore (setState).
 * Runs in the webview (DOM, no Node). Every text from the log goes in through textContent.
 */
import type { EntryDetail, Filters, HistogramBucket, HostMessage, MaskCategoryState, RowSummary, WebviewMessage, WebviewPersistedState } from '../src/shared/protocol';
import { fieldOf, JsonNumber, JsonObject, parseJson } from '../src/core/json';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
const post = (m: WebviewMessage): void => vscode.postMessage(m);

const ROW_H = 22;
const MAX_PX = 15_000_000;
const COLS: { key: string; label: string; width: string }[] = [
  { key: 'num', label: '#', width: 'minmax(40px, max-content)' },
  { key: 'time', label: 'Time', width: '165px' },
  { key: 'agent', label: 'Agent', width: 'minmax(60px, 0.7fr)' },
  { key: 'type', label: 'Type', width: 'minmax(60px, 0.7fr)' },
  { key: 'model', label: 'Model', width: 'minmax(60px, 1fr)' },
  { key: 'latency', label: 'Latency', width: '70px' },
  { key: 'tokens', label: 'Tokens', width: '58px' },
  { key: 'key', label: 'Key version', width: 'minmax(80px, 1fr)' },
  { key: 'status', label: 'Status', width: 'minmax(90px, 1.4fr)' },
];

// ---------------------------------------------------------------- state
let entryCount = 0;
let viewCount = 0;
let format = '';
let fileName = '';
const rows = new Map<number, RowSummary>(); // by view position
let reqSeq = 1;
let lastRowsReq = 0;
let requestedRange: [number, number] = [-1, -1];
let selected: number | null = null; // entry index
let selectedPos: number | null = null;
let filters: Filters = {};
let detailOpen = false;
let detailReq = 0;
let scanReq = 0;
let failReq = 0;
let mask: MaskCategoryState[] = [];
const persisted = (vscode.getState() as WebviewPersistedState | undefined) ?? undefined;
let restored = false;

// ---------------------------------------------------------------- DOM helpers
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}
function button(label: string, title: string, onClick: () => void, id?: string): HTMLButtonElement {
  const b = el('button', { title, ...(id ? { id } : {}) }, label);
  b.addEventListener('click', onClick);
  return b;
}

const app = document.getElementById('app')!;
const banner = el('div', { id: 'banner', class: 'banner hidden' });
const notice = el('div', { id: 'notice', class: 'notice hidden' });

// toolbar: search + filters
const searchInput = el('input', { id: 'search', type: 'search', placeholder: 'Search decrypted content…', 'aria-label': 'Search decrypted content' });
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
const prevFail = button('◀ Failure', 'Previous failed entry (Shift+F8)', () => findFailure(-1), 'prev-failure');
const nextFail = button('Failure ▶', 'Next failed entry (F8)', () => findFailure(1), 'next-failure');
const exportBtn = button('Export…', 'Export the shown entries as masked JSON lines', () => post({ type: 'exportFiltered' }), 'export-btn');
searchInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') applyFromInputs();
  if (e.key === 'Escape') post({ type: 'cancelScan' });
});
for (const i of [fromInput, toInput]) i.addEventListener('keydown', (e) => e.key === 'Enter' && applyFromInputs());

const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Search and filters' },
  searchInput, searchBtn, cancelBtn, progress, el('span', { class: 'sep' }),
  fromInput, toInput, agentSel, modelSel, typeSel, statusSel, keySel, clearBtn, el('span', { class: 'sep' }),
  prevFail, nextFail, exportBtn);
const maskbar = el('div', { class: 'maskbar', id: 'maskbar', role: 'group', 'aria-label': 'Masking' });
const histogram = el('div', { class: 'histogram', id: 'histogram', 'aria-label': 'Entries over time' });

// table
const header = el('div', { class: 'row header', role: 'row' }, ...COLS.map((c) => el('div', { class: `cell c-${c.key}`, role: 'columnheader' }, c.label)));
const viewport = el('div', { class: 'viewport', id: 'viewport', tabindex: '0', role: 'grid', 'aria-label': 'Log entries' });
const spacer = el('div', { class: 'spacer' });
const rowsBox = el('div', { class: 'rows', id: 'rows' });
viewport.append(spacer, rowsBox);
const table = el('div', { class: 'table' }, header, viewport);
const gridTemplate = COLS.map((c) => c.width).join(' ');
document.documentElement.style.setProperty('--grid', gridTemplate);

// detail
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

function fmtTime(t: string | null): string {
  if (!t) return '';
  return t.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z');
}
function shortAgent(a: string | null): string {
  return a ? (a.length > 13 ? `${a.slice(0, 8)}…${a.slice(-4)}` : a) : '';
}
/** `file:/long/path/kek-v1.key@v1` -> `kek-v1.key@v1` for the narrow column (full label in the tooltip). */
function shortKey(label: string): string {
  return label.replace(/^file:(?:.*\/)?/, '');
}
function statusText(r: RowSummary): string {
  if (r.status === 'pending') return 'decrypting…';
  if (r.status === 'error') return `✖ ${r.reason ?? 'error'}: ${r.error ?? ''}`;
  if (r.recordError) return `⚠ ${r.error ?? 'error'}`;
  return '✔ ok';
}

function renderRows(): void {
  spacer.style.height = `${Math.max(viewCount * ROW_H * scale(), 1)}px`;
  const first = firstVisible();
  const n = visibleCount();
  const virtTop = viewport.scrollTop / scale();
  rowsBox.style.transform = `translateY(${viewport.scrollTop + (first * ROW_H - virtTop)}px)`;
  const frag = document.createDocumentFragment();
  let missing = false;
  for (let p = first; p < Math.min(viewCount, first + n); p++) {
    const r = rows.get(p);
    if (!r) missing = true;
    frag.append(rowEl(p, r));
  }
  rowsBox.replaceChildren(frag);
  if (missing) requestRows(first, n);
  updateStatusLine();
}

function rowEl(pos: number, r: RowSummary | undefined): HTMLElement {
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
  const cells: [string, string][] = [
    ['num', String(r.index + 1)],
    ['time', fmtTime(r.time)],
    ['agent', shortAgent(r.agent)],
    ['type', r.type ?? ''],
    ['model', r.model ?? ''],
    ['latency', r.latencyMs === null ? '' : `${r.latencyMs} ms`],
    ['tokens', r.tokens === null ? '' : String(r.tokens)],
    ['key', r.key ? shortKey(r.key) : r.status === 'pending' ? '' : '—'],
    ['status', statusText(r)],
  ];
  for (const [k, v] of cells) {
    const c = el('div', { class: `cell c-${k}`, role: 'gridcell' }, v);
    if (k === 'agent' && r.agent) c.title = r.agent;
    if (k === 'status') c.title = v;
    if (k === 'key' && r.key) c.title = r.key;
    d.append(c);
  }
  d.addEventListener('click', () => select(r.index, pos, true));
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
    lastRowsReq = reqSeq++;
    post({ type: 'getRows', reqId: lastRowsReq, from, count: to - from });
  }, 30);
}

function updateStatusLine(): void {
  const shown = viewCount === entryCount ? `${entryCount.toLocaleString()} entries` : `${viewCount.toLocaleString()} of ${entryCount.toLocaleString()} entries shown`;
  statusLine.textContent = `${fileName} · ${format} · ${shown}${selected !== null ? ` · entry ${selected + 1} selected` : ''}`;
}

viewport.addEventListener('scroll', () => {
  renderRows();
  saveState();
});
window.addEventListener('resize', () => renderRows());

// ---------------------------------------------------------------- selection & keyboard
function select(index: number, pos: number | null, open: boolean): void {
  selected = index;
  selectedPos = pos;
  post({ type: 'select', index });
  if (open) openDetail(index);
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
  if (r) select(r.index, pos, detailOpen);
  else {
    selectedPos = pos;
    pendingSelectPos = pos;
  }
}
let pendingSelectPos: number | null = null;

viewport.addEventListener('keydown', (e) => {
  const cur = selectedPos ?? firstVisible() - 1;
  const page = Math.max(1, visibleCount() - 2);
  let handled = true;
  if (e.key === 'ArrowDown') moveTo(cur + 1);
  else if (e.key === 'ArrowUp') moveTo(cur - 1);
  else if (e.key === 'PageDown') moveTo(cur + page);
  else if (e.key === 'PageUp') moveTo(cur - page);
  else if (e.key === 'Home') moveTo(0);
  else if (e.key === 'End') moveTo(viewCount - 1);
  else if (e.key === 'Enter' && selected !== null) openDetail(selected);
  else if (e.key === 'Escape') closeDetail();
  else if (e.key === 'F8') findFailure(e.shiftKey ? -1 : 1);
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
  scanReq = reqSeq++;
  cancelBtn.disabled = false;
  progress.textContent = 'searching…';
  progress.dataset.finished = '0'; // until this request's own progress arrives
  delete progress.dataset.matches;
  post({ type: 'applyFilters', reqId: scanReq, filters: f });
  saveState();
}

function findFailure(direction: 1 | -1): void {
  failReq = reqSeq++;
  progress.textContent = direction > 0 ? 'finding next failure…' : 'finding previous failure…';
  post({ type: 'findFailure', reqId: failReq, fromIndex: selected ?? (direction > 0 ? -1 : entryCount), direction });
}

// ---------------------------------------------------------------- masking
function renderMask(): void {
  maskbar.replaceChildren(el('span', { class: 'label' }, 'Masked:'));
  for (const m of mask) {
    const id = `mask-${m.id}`;
    const cb = el('input', { type: 'checkbox', id, 'data-category': m.id });
    cb.checked = m.masked;
    cb.addEventListener('change', () => {
      post({ type: 'setMask', categories: { [m.id]: cb.checked } });
    });
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
/**
 * One JSON value of the lossless tree (numbers shown from their source text, duplicate keys kept).
 * A collapsed node builds its children when first opened, so any depth renders without recursion
 * beyond the levels open by default.
 */
function jsonNode(v: unknown, name?: string, depth = 0): Node {
  const key = name !== undefined ? [el('span', { class: 'k' }, `${name}: `)] : [];
  const members = jsonMembers(v);
  if (members !== null) {
    const d = el('details', { class: 'json' });
    const brace = Array.isArray(v) ? `[${members.length}]` : `{${members.length}}`;
    d.append(el('summary', {}, ...key, el('span', { class: 'muted' }, brace)));
    let built = false;
    const build = () => {
      if (built) return;
      built = true;
      for (const [k, x] of members) d.append(el('div', { class: 'indent' }, jsonNode(x, k, depth + 1)));
    };
    if (depth < 2) {
      build();
      d.open = true;
    } else d.addEventListener('toggle', build);
    return d;
  }
  const cls = v === null ? 'null' : v instanceof JsonNumber ? 'number' : typeof v;
  const text = typeof v === 'string' ? JSON.stringify(v) : v instanceof JsonNumber ? v.text : String(v);
  return el('div', { class: 'leaf' }, ...key, el('span', { class: `v ${cls}` }, text));
}

function jsonMembers(v: unknown): ReadonlyArray<readonly [string, unknown]> | null {
  if (Array.isArray(v)) return v.map((x, i) => [String(i), x] as const);
  if (v instanceof JsonObject) return v.entries;
  if (v !== null && typeof v === 'object' && !(v instanceof JsonNumber)) return Object.entries(v as Record<string, unknown>);
  return null;
}

/** The lossless tree of a detail's JSON text; text the host could not have sent is shown as is. */
function jsonOf(text: string | null): unknown {
  if (text === null) return null;
  try {
    return parseJson(text);
  } catch {
    return text;
  }
}

function section(title: string, body: Node | string, cls = ''): HTMLElement {
  return el('div', { class: `section ${cls}` }, el('h3', {}, title), typeof body === 'string' ? el('pre', {}, body) : body);
}

function renderDetail(d: EntryDetail | null): void {
  detail.classList.remove('hidden');
  if (!d) {
    detail.replaceChildren(el('div', { class: 'muted' }, 'Entry not available.'));
    return;
  }
  const head = el('div', { class: 'detail-head' },
    el('strong', {}, `Entry ${d.index + 1}`),
    el('span', { class: 'muted' }, ` line ${d.line + 1} · ${d.id ?? 'no id'} · ${fmtTime(d.time)} · key ${d.key ?? '—'}`),
    el('span', { class: d.revealed || mask.some((c) => !c.masked) ? 'badge warn' : 'badge', id: 'detail-mask-badge' }, d.revealed ? 'REVEALED (unmasked)' : mask.some((c) => !c.masked) ? `unmasked: ${mask.filter((c) => !c.masked).map((c) => c.label).join(', ')}` : 'masked'),
    el('span', { class: 'grow' }),
    ...(d.revealed ? [] : [button('Reveal…', 'Show this entry unmasked (asks for confirmation, audited)', () => post({ type: 'reveal', index: d.index }), 'reveal-btn')]),
    button('Copy JSON', 'Copy this entry as JSON, as shown here (the copy says which categories are unmasked)', () => post({ type: 'copyEntry', index: d.index }), 'copy-btn'),
    button('✕', 'Close (Escape)', () => closeDetail(), 'close-detail'),
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
  detailOpen = true;
  detailReq = reqSeq++;
  detail.classList.remove('hidden');
  detail.replaceChildren(el('div', { class: 'muted' }, `Decrypting entry ${index + 1}…`));
  post({ type: 'getDetail', reqId: detailReq, index });
  saveState();
}
function closeDetail(): void {
  detailOpen = false;
  detail.classList.add('hidden');
  viewport.focus();
  saveState();
}

// ---------------------------------------------------------------- state
function saveState(): void {
  const s: WebviewPersistedState = { scrollTop: viewport.scrollTop, selected, filters, detailOpen };
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
      if (!restored && persisted) {
        restored = true;
        document.body.dataset.restored = '1'; // this webview was recreated from its saved state
        writeInputs(persisted.filters ?? {});
        if (Object.keys(persisted.filters ?? {}).length) applyFilters(persisted.filters);
        requestAnimationFrame(() => {
          viewport.scrollTop = persisted.scrollTop ?? 0;
          if (persisted.selected !== null && persisted.selected !== undefined) {
            selected = persisted.selected;
            if (persisted.detailOpen) openDetail(persisted.selected);
          }
          renderRows();
        });
      }
      renderRows();
      break;
    }
    case 'rows': {
      if (m.reqId !== lastRowsReq) break;
      viewCount = m.viewCount;
      for (const r of m.rows) rows.set(r.pos, r);
      renderRows();
      if (pendingSelectPos !== null) {
        const r = rows.get(pendingSelectPos);
        if (r) {
          const p = pendingSelectPos;
          pendingSelectPos = null;
          select(r.index, p, detailOpen);
        }
      }
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
        if (m.reason === 'filter') selectedPos = null;
      }
      renderRows();
      break;
    }
    case 'scanProgress': {
      if (m.reqId !== scanReq) break;
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
    case 'failureFound': {
      if (m.reqId !== failReq) break;
      if (m.index === null) progress.textContent = `no further failure (${m.searched} searched)`;
      else {
        progress.textContent = `failure at entry ${m.index + 1}`;
        if (m.pos !== null) {
          ensureVisible(m.pos);
          select(m.index, m.pos, true);
        }
      }
      break;
    }
    case 'detail':
      if (m.reqId === detailReq) renderDetail(m.detail);
      break;
    case 'revealed':
      if (selected === m.index) renderDetail(m.detail);
      break;
    case 'mask':
      mask = m.mask;
      renderMask();
      if (detailOpen && selected !== null) openDetail(selected);
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
post({ type: 'ready' });
viewport.focus();
