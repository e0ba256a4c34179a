/**
 * The table's columns: what each shows, which can be sorted (time, latency, tokens), and the user's
 * widths, hidden columns and sort order — the layout the host remembers per workspace.
 */
import type { RowSummary, SortColumn, SortOrder, ViewerLayout } from '../src/shared/protocol';
import { el, fmtTime } from './dom';

export interface ColumnDef {
  id: string;
  label: string;
  /** Default width in px; `flex` columns share what is left (fr) unless the user sized them. */
  width: number;
  flex?: number;
  sort?: SortColumn;
  numeric?: boolean;
  hiddenByDefault?: boolean;
  cell(r: RowSummary): { text: string; title?: string };
}

function shortAgent(a: string | null): string {
  return a ? (a.length > 13 ? `${a.slice(0, 8)}…${a.slice(-4)}` : a) : '';
}

export function statusText(r: RowSummary): string {
  if (r.status === 'pending') return 'decrypting…';
  if (r.status === 'error') return `✖ ${r.reason ?? 'error'}: ${r.error ?? ''}`;
  if (r.recordError) return `⚠ ${r.error ?? 'error'}`;
  return '✔ ok';
}

const pendingOr = (r: RowSummary, v: string | null, none = '—') => (v !== null ? v : r.status === 'pending' ? '' : none);

export const COLUMNS: readonly ColumnDef[] = [
  { id: 'num', label: '#', width: 44, numeric: true, cell: (r) => ({ text: String(r.index + 1) }) },
  { id: 'time', label: 'Time', width: 170, sort: 'time', cell: (r) => ({ text: fmtTime(r.time), title: r.time ?? undefined }) },
  { id: 'agent', label: 'Agent', width: 110, hiddenByDefault: true, cell: (r) => ({ text: shortAgent(r.agent), title: r.agent ?? undefined }) },
  { id: 'type', label: 'Type', width: 100, hiddenByDefault: true, cell: (r) => ({ text: r.type ?? '' }) },
  { id: 'model', label: 'Model', width: 112, cell: (r) => ({ text: r.model ?? '', title: r.model ?? undefined }) },
  { id: 'prompt', label: 'Prompt', width: 260, flex: 2, cell: (r) => ({ text: pendingOr(r, r.prompt), title: r.prompt ?? undefined }) },
  { id: 'response', label: 'Response', width: 260, flex: 2, cell: (r) => ({ text: pendingOr(r, r.response), title: r.response ?? undefined }) },
  { id: 'latency', label: 'Latency', width: 72, sort: 'latency', numeric: true, cell: (r) => ({ text: r.latencyMs === null ? '' : `${r.latencyMs} ms` }) },
  {
    id: 'tokens',
    label: 'Tokens',
    width: 84,
    sort: 'tokens',
    numeric: true,
    cell: (r) => ({
      text: r.inputTokens !== null && r.outputTokens !== null ? `${r.inputTokens} → ${r.outputTokens}` : r.tokens === null ? '' : String(r.tokens),
      title: r.tokens === null ? undefined : `input ${r.inputTokens ?? '?'} · output ${r.outputTokens ?? '?'} · total ${r.tokens}`,
    }),
  },
  { id: 'key', label: 'Key', width: 104, cell: (r) => ({ text: pendingOr(r, r.keyText), title: r.keyTitle ?? undefined }) },
  { id: 'status', label: 'Status', width: 96, flex: 0.6, cell: (r) => ({ text: statusText(r), title: r.status === 'error' ? `${r.reason ?? 'error'}: ${r.error ?? ''}` : r.recordError ? (r.error ?? undefined) : undefined }) },
];

/** A keyboard resize step (Ctrl+Shift+Left/Right on a column header), px. */
export const RESIZE_STEP = 16;
const clampWidth = (w: number): number => Math.max(32, Math.min(2000, w));

/** What the header's cells do besides focus: the webview's sort, grid update, columns menu, and the way back to the rows. */
export interface HeaderActions {
  sort(column: SortColumn): void;
  resize(): void;
  menu(x: number, y: number): void;
  leave(): void;
}

const HEADER_KEYS = 'Columns: Left/Right move, Enter or Space sorts, Ctrl+Shift+Left/Right resizes, Shift+F10 shows or hides columns, Down goes to the rows';

export class ColumnModel {
  private readonly widths = new Map<string, number>();
  /** The header cell that is the tab stop (and is focused again after a re-render). */
  private focusCol: string | null = null;
  private readonly hidden = new Set(COLUMNS.filter((c) => c.hiddenByDefault).map((c) => c.id));
  sort: SortOrder | null = null;

  constructor(
    /** The layout changed by the user (resize, hide, sort): remember it. */
    private readonly changed: (layout: ViewerLayout) => void,
  ) {}

  apply(layout: ViewerLayout | null): void {
    if (!layout) return;
    this.widths.clear();
    this.hidden.clear();
    for (const c of layout.columns) {
      if (!COLUMNS.some((d) => d.id === c.id)) continue;
      if (c.width !== null) this.widths.set(c.id, c.width);
      if (c.hidden) this.hidden.add(c.id);
    }
    this.sort = layout.sort;
  }

  layout(): ViewerLayout {
    return { columns: COLUMNS.map((c) => ({ id: c.id, width: this.widths.get(c.id) ?? null, hidden: this.hidden.has(c.id) })), sort: this.sort };
  }

  visible(): ColumnDef[] {
    return COLUMNS.filter((c) => !this.hidden.has(c.id));
  }

  isHidden(id: string): boolean {
    return this.hidden.has(id);
  }

  template(): string {
    return this.visible()
      .map((c) => {
        const w = this.widths.get(c.id);
        if (w !== undefined) return `${w}px`;
        return c.flex ? `minmax(${Math.min(c.width, 120)}px, ${c.flex}fr)` : `${c.width}px`;
      })
      .join(' ');
  }

  /** The narrowest the table can be (px): below it the table scrolls sideways instead of cutting columns. */
  minWidth(): number {
    return this.visible().reduce((n, c) => n + (this.widths.get(c.id) ?? (c.flex ? Math.min(c.width, 120) : c.width)), 0);
  }

  setHidden(id: string, hidden: boolean): void {
    if (hidden && this.visible().length <= 1) return;
    if (hidden) this.hidden.add(id);
    else this.hidden.delete(id);
    this.changed(this.layout());
  }

  /** Next sort state of a header click: ascending, descending, file order. */
  nextSort(column: SortColumn): SortOrder | null {
    if (this.sort?.column !== column) return { column, descending: false };
    return this.sort.descending ? null : { column, descending: true };
  }

  setSort(sort: SortOrder | null): void {
    this.sort = sort;
    this.changed(this.layout());
  }

  /**
   * The header row: labels, sort buttons with aria-sort, and a resize handle per column. Each cell is
   * a `columnheader` reachable by keyboard (one tab stop; Left/Right/Home/End move between cells):
   * Enter or Space sorts, Ctrl+Shift+Left/Right resizes by RESIZE_STEP px, Shift+F10 (or the
   * context-menu key) opens the columns menu. Focus stays on the column across re-renders.
   */
  renderHeader(header: HTMLElement, on: HeaderActions): void {
    const hadFocus = header.contains(document.activeElement);
    header.replaceChildren();
    header.setAttribute('aria-label', HEADER_KEYS);
    const visible = this.visible();
    if (!visible.some((c) => c.id === this.focusCol)) this.focusCol = visible[0]?.id ?? null;
    for (const c of visible) {
      const cell = el('div', { class: `cell c-${c.id}${c.sort ? ' sortable' : ''}`, role: 'columnheader', 'data-col': c.id, tabindex: c.id === this.focusCol ? '0' : '-1' });
      if (c.sort) {
        const s = this.sort?.column === c.sort ? (this.sort.descending ? 'descending' : 'ascending') : 'none';
        cell.setAttribute('aria-sort', s);
        const b = el('button', { class: 'sort', tabindex: '-1', title: `Sort by ${c.label.toLowerCase()} (click again: descending, then file order)`, 'data-sort': c.sort }, c.label, el('span', { class: 'arrow' }, s === 'ascending' ? ' ▲' : s === 'descending' ? ' ▼' : ''));
        b.addEventListener('click', () => on.sort(c.sort!));
        cell.append(b);
      } else cell.append(c.label);
      const grip = el('span', { class: 'resizer', title: 'Drag to resize (keyboard: Ctrl+Shift+Left/Right)', 'aria-hidden': 'true' });
      grip.addEventListener('pointerdown', (e) => this.startResize(e, cell, c, () => {
        on.resize();
        this.label(cell, c);
      }));
      cell.addEventListener('focus', () => {
        this.focusOn(header, c.id);
        this.label(cell, c); // the width as shown now (a flexible column follows the window)
      });
      cell.addEventListener('keydown', (e) => this.onKey(e, header, cell, c, on));
      cell.append(grip);
      header.append(cell);
    }
    for (const c of visible) this.label(header.querySelector<HTMLElement>(`[data-col="${c.id}"]`)!, c);
    if (hadFocus) header.querySelector<HTMLElement>(`[data-col="${this.focusCol}"]`)?.focus();
  }

  /** The column header's accessible name: its label and its width as shown. */
  private label(cell: HTMLElement, c: ColumnDef): void {
    const w = Math.round(this.widths.get(c.id) ?? cell.getBoundingClientRect().width);
    cell.setAttribute('aria-label', `${c.label}, ${w} px wide${c.sort ? ', sortable' : ''}`);
    cell.dataset.width = String(w);
  }

  /** Makes `id` the header's one tab stop. */
  private focusOn(header: HTMLElement, id: string): void {
    this.focusCol = id;
    for (const cell of header.querySelectorAll<HTMLElement>('[role="columnheader"]')) cell.tabIndex = cell.dataset.col === id ? 0 : -1;
  }

  private onKey(e: KeyboardEvent, header: HTMLElement, cell: HTMLElement, c: ColumnDef, on: HeaderActions): void {
    const cells = [...header.querySelectorAll<HTMLElement>('[role="columnheader"]')];
    const at = cells.indexOf(cell);
    const go = (i: number) => cells[Math.max(0, Math.min(cells.length - 1, i))]?.focus();
    const resizeKey = e.ctrlKey && e.shiftKey && !e.altKey && !e.metaKey;
    if (resizeKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      const from = this.widths.get(c.id) ?? Math.round(cell.getBoundingClientRect().width);
      this.widths.set(c.id, clampWidth(from + (e.key === 'ArrowRight' ? RESIZE_STEP : -RESIZE_STEP)));
      on.resize();
      this.label(cell, c);
      this.changed(this.layout());
    } else if (e.ctrlKey || e.altKey || e.metaKey) return;
    else if (e.key === 'ArrowLeft') go(at - 1);
    else if (e.key === 'ArrowRight') go(at + 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(cells.length - 1);
    else if ((e.key === 'Enter' || e.key === ' ') && c.sort) on.sort(c.sort);
    else if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      const r = cell.getBoundingClientRect();
      on.menu(r.left, r.bottom);
    } else if (e.key === 'ArrowDown') on.leave();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  private startResize(e: PointerEvent, cell: HTMLElement, c: ColumnDef, onResize: () => void): void {
    e.preventDefault();
    e.stopPropagation();
    const grip = e.target as HTMLElement;
    grip.setPointerCapture(e.pointerId);
    const x0 = e.clientX;
    const w0 = cell.getBoundingClientRect().width;
    const move = (m: PointerEvent) => {
      this.widths.set(c.id, clampWidth(Math.round(w0 + m.clientX - x0)));
      onResize();
    };
    const up = () => {
      grip.removeEventListener('pointermove', move);
      grip.removeEventListener('pointerup', up);
      this.changed(this.layout());
    };
    grip.addEventListener('pointermove', move);
    grip.addEventListener('pointerup', up);
  }
}
