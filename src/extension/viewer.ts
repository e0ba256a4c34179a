import * as vscode from 'vscode';
import * as fs from 'node:fs';
import type { CopyWhat, EntryDetail, Filters, HostMessage, Requests, RowSummary, ViewerLayout, WebviewMessage } from '../shared/protocol';
import { RequestRouter, type Handlers } from '../shared/rpc';
import {
  CATEGORY_LABELS,
  CompiledFilter,
  conversationOf,
  copyText,
  detailJson,
  entryDetail,
  filtersActive,
  findFailure,
  isSortOrder,
  maskingLabel,
  MaskState,
  orderedEntries,
  RowContentCache,
  rowOf,
  scanFilter,
  validLayout,
  ViewOrder,
  type FailureHit,
  type LogView,
  type SortOrder,
} from '../core/view';
import type { Audit } from './audit';
import { defaultMaskOptions, maskedEntryJson, type KeyVersionInfo, type LogRecord, type MaskOptions } from './core';
import { signalFor } from './cancellation';
import type { EngineHost } from './engineHost';
import { viewerHtml } from './html';
import { LogDocument, type DocumentChange } from './logDocument';

export const VIEW_TYPE = 'encryptedLogs.viewer';
const LAYOUT_KEY = 'encryptedLogs.viewerLayout';

/**
 * One webview showing a LogDocument: a router of the webview's requests (src/shared/rpc.ts) onto the
 * document's LogView and the queries of src/core/view, plus what belongs to this editor only: its
 * mask choices, reveals, filters, sort order and selection.
 */
export class ViewerPanel implements vscode.Disposable {
  private readonly mask = new MaskState();
  private readonly revealed = new Set<number>();
  private filters: Filters = {};
  private sortOrder: SortOrder | null = null;
  /** The filter's matches in file order, and what the table shows (sorted when asked). */
  private base: ViewOrder = ViewOrder.all(0);
  private order: ViewOrder = ViewOrder.all(0);
  /** Orders are computed asynchronously (a sort waits for the column scan): only the newest is applied. */
  private orderSeq = 0;
  selected: number | null = null;
  private readonly contents = new RowContentCache();
  private keyInfos = new Map<string, KeyVersionInfo>();
  private rowsCtl: AbortController | undefined;
  private scanCtl: AbortController | undefined;
  private failCtl: AbortController | undefined;
  private convCtl: AbortController | undefined;
  private histTimer: NodeJS.Timeout | undefined;
  private ready = false;
  private readonly router: RequestRouter<Requests>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly doc: LogDocument,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly audit: Audit,
    private readonly engines: EngineHost,
    private readonly layoutStore: vscode.Memento | undefined,
  ) {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'out', 'media'), vscode.Uri.joinPath(extensionUri, 'media')] };
    webview.html = viewerHtml(webview, extensionUri);
    this.resetOrder();
    const handlers: Handlers<Requests> = {
      getRows: (p) => this.getRows(p.from, p.count),
      getDetail: (p) => this.detail(p.index),
      applyFilters: async (p, id) => ({ matches: await this.applyFilters(id, p.filters) }),
      findFailure: (p) => this.findFailure(p.fromIndex, p.direction),
      sort: (p) => this.setSort(p.sort),
      getConversation: (p) => this.conversation(p.index),
      setMask: (p) => this.setMask(p.categories),
      reveal: (p) => this.reveal(p.index),
      copy: (p) => this.copy(p.index, p.what, p.unmasked ?? false),
    };
    this.router = new RequestRouter(handlers, (m) => this.post(m));
    this.disposables.push(
      webview.onDidReceiveMessage((m: WebviewMessage) => void this.handle(m)),
      doc.onDidChange((e) => this.onDocChange(e.reason)),
    );
  }

  private get view(): LogView | undefined {
    return this.doc.view;
  }

  get viewCount(): number {
    return this.order.count;
  }

  posOf(index: number): number | null {
    return this.order.posOf(index);
  }

  post(m: HostMessage): void {
    void this.panel.webview.postMessage(m);
  }

  maskOptions(): MaskOptions {
    return this.mask.options();
  }

  /** Every entry in file order (no filter), sorted if asked. */
  private resetOrder(): void {
    this.base = ViewOrder.all(this.doc.entryCount);
    this.order = this.base;
  }

  private async sorted(base: ViewOrder): Promise<ViewOrder> {
    const sort = this.sortOrder;
    if (!sort || !this.view) return base;
    const cols = await this.view.whenScanned();
    return cols ? ViewOrder.sorted(base, cols, sort) : base;
  }

  private onDocChange(reason: DocumentChange): void {
    if (!this.ready) return;
    if (reason === 'reset') {
      this.revealed.clear();
      this.contents.clear();
      this.resetOrder();
      this.sendInit();
    } else if (reason === 'tail') {
      if (filtersActive(this.filters)) void this.applyFilters(0, this.filters, true);
      else void this.reorder('tail');
    } else if (reason === 'histogram') {
      this.sendHistogram();
      if (this.sortOrder) void this.reorder('sort');
    } else if (reason === 'decrypted' && !this.histTimer && this.view?.columns) {
      // failures and key versions become known as entries decrypt: refresh the histogram's failure
      // bars and the key filter's choices, at most every 2 s
      this.histTimer = setTimeout(() => {
        this.histTimer = undefined;
        this.sendHistogram();
      }, 2000);
    }
  }

  /** The unfiltered view grew or its sort column values arrived: rebuild the order and tell the webview. */
  private async reorder(reason: 'tail' | 'sort'): Promise<void> {
    if (!filtersActive(this.filters)) this.base = ViewOrder.all(this.doc.entryCount);
    else this.base = this.base.grown(this.doc.entryCount);
    const seq = ++this.orderSeq;
    const order = await this.sorted(this.base);
    if (seq !== this.orderSeq) return;
    this.order = order;
    this.post({ type: 'viewChanged', entryCount: this.doc.entryCount, viewCount: this.viewCount, reason });
  }

  private sendHistogram(): void {
    const v = this.view;
    if (!v) return;
    this.post({ type: 'histogram', buckets: v.histogram(), facets: { ...v.facets, keys: v.keyLabelsSeen() } });
  }

  private storedLayout(): ViewerLayout | null {
    return validLayout(this.layoutStore?.get<unknown>(LAYOUT_KEY));
  }

  private sendInit(): void {
    const errs: string[] = [];
    if (this.doc.openError) errs.push(`Cannot open ${this.doc.fileName}: ${this.doc.openError}. To read it as a given format, run 'Encrypted Logs: Reopen with Format…'.`);
    this.post({
      type: 'init',
      file: this.doc.fileName,
      format: this.doc.session?.format ?? 'unknown',
      entryCount: this.doc.entryCount,
      viewCount: this.viewCount,
      noKeySources: this.engines.refs.length === 0,
      restrictedMode: !vscode.workspace.isTrusted,
      keyErrors: errs,
      mask: this.mask.states(),
      filters: this.filters,
      layout: this.storedLayout(),
    });
    if (this.view?.columns) this.sendHistogram();
    void this.engines.versions().then((v) => {
      if (v.errors.length) this.post({ type: 'notice', level: 'warning', text: v.errors.map((e) => `${e.ref}: ${e.message}`).join('\n') });
      this.keyInfos = new Map(v.keys.map((k) => [k.label, k]));
      // rows sent before the versions were known name keys by their source: fetch them again
      if (this.keyInfos.size) this.post({ type: 'viewChanged', entryCount: this.doc.entryCount, viewCount: this.viewCount, reason: 'keys' });
    });
  }

  /** Entry point for webview messages (also used by the host tests to drive the protocol). */
  async handle(m: WebviewMessage): Promise<void> {
    this.engines.touch();
    try {
      switch (m.type) {
        case 'request':
          await this.router.dispatch(m);
          break;
        case 'ready':
          this.ready = true;
          this.sendInit();
          break;
        case 'cancelScan':
          this.scanCtl?.abort();
          break;
        case 'addKeySource':
          await vscode.commands.executeCommand('encryptedLogs.addKeySource');
          break;
        case 'exportFiltered':
          await vscode.commands.executeCommand('encryptedLogs.exportFiltered');
          break;
        case 'select':
          this.selected = m.index;
          break;
        case 'saveLayout': {
          const layout = validLayout(m.layout);
          if (layout) await this.layoutStore?.update(LAYOUT_KEY, layout);
          break;
        }
      }
    } catch (e) {
      this.post({ type: 'notice', level: 'error', text: (e as Error).message });
    }
  }

  // ------------------------------------------------------------------ rows

  private row(view: LogView, rec: LogRecord, pos: number): RowSummary {
    const mask = this.maskOptions();
    return rowOf(view, rec, pos, {
      mask,
      keyInfo: (label) => this.keyInfos.get(label),
      content: (i) => {
        const known = this.contents.get(i);
        if (known) return known;
        const e = view.cached(i);
        return e ? this.contents.of(e, mask) : undefined;
      },
    });
  }

  private async getRows(from: number, count: number): Promise<Requests['getRows']['result']> {
    this.rowsCtl?.abort(); // a newer viewport wins: cancel stale decryption
    const ctl = new AbortController();
    this.rowsCtl = ctl;
    const view = this.view;
    const n = this.viewCount;
    if (!view) return { rows: [], viewCount: n };
    const start = Math.max(0, Math.min(from, n));
    const indices = this.order.slice(start, Math.max(0, Math.min(count, 500)));
    const recs = await view.recordsAt(indices);
    const posOf = new Map<number, number>(indices.map((idx, k) => [idx, start + k]));
    const rows: RowSummary[] = [];
    for (const idx of indices) {
      const r = recs.get(idx);
      if (r) rows.push(this.row(view, r, posOf.get(idx)!));
    }
    // Decrypt what is visible and not at hand (unknown, or known but its previews evicted), after the reply.
    const need = rows.filter((r) => !recs.get(r.index)?.parseError && (r.status === 'pending' || !this.contents.get(r.index))).map((r) => r.index);
    if (need.length) setImmediate(() => void this.decryptVisible(view, need, recs, posOf, ctl.signal).catch(() => undefined));
    return { rows, viewCount: n };
  }

  private async decryptVisible(view: LogView, need: number[], recs: Map<number, LogRecord>, posOf: Map<number, number>, signal: AbortSignal): Promise<void> {
    await view.decrypt(need, {
      signal,
      records: recs,
      onChunk: (entries) => {
        if (signal.aborted) return;
        const upd = entries.map((e) => this.row(view, recs.get(e.index) ?? e.record, posOf.get(e.index) ?? 0));
        this.post({ type: 'rowsUpdate', rows: upd });
      },
    });
  }

  // ------------------------------------------------------------------ detail, reveal, masking

  private keyInfoOf(label: string | null): KeyVersionInfo | undefined {
    return label ? this.keyInfos.get(label) : undefined;
  }

  async detail(index: number): Promise<EntryDetail | null> {
    const e = await this.view?.entry(index);
    if (!e) return null;
    return entryDetail(e, this.revealed.has(index), this.maskOptions(), this.keyInfoOf(e.key));
  }

  /** A modal confirmation for showing or copying plaintext; `answer` is the tests' reply to it. */
  private async confirmReveal(message: string, detail: string, action: string, answer?: boolean): Promise<boolean> {
    return answer ?? (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
  }

  /** Reveal one entry unmasked, after a modal confirmation; audited. `confirm` is for tests. */
  async reveal(index: number, confirm?: boolean): Promise<boolean> {
    const e = await this.view?.entry(index);
    if (!e) return false;
    const ok = await this.confirmReveal(
      `Reveal entry ${index + 1} of ${this.doc.fileName} unmasked?`,
      'The decrypted prompt and response are shown without masking in this editor only. The reveal is written to the audit log.',
      'Reveal',
      confirm,
    );
    if (!ok) return false;
    this.revealed.add(index);
    this.audit.record({ action: 'reveal', source: e.key ?? undefined, detail: `${this.doc.uri.fsPath} entry ${index} id=${e.id ?? '-'}` });
    this.post({ type: 'revealed', index, detail: entryDetail(e, true, this.maskOptions(), this.keyInfoOf(e.key)) });
    return true;
  }

  /**
   * Masking choices of this editor. Unmasking a category is a reveal: a modal confirmation naming the
   * categories, an audit record; it holds for this editor only and is never persisted. Masking again
   * needs no confirmation. `confirm` answers the dialog (tests). Returns false when the user declined.
   */
  async setMask(categories: Record<string, boolean>, confirm?: boolean): Promise<boolean> {
    const { known, unmasking } = this.mask.change(categories);
    if (unmasking.length > 0) {
      const names = unmasking.map((c) => CATEGORY_LABELS[c] ?? c).join(', ');
      const ok = await this.confirmReveal(
        `Show ${names} unmasked in ${this.doc.fileName}?`,
        'Every entry of this editor shows these values in clear until you mask them again or close it (other editors stay masked; not remembered). The reveal is written to the audit log.',
        'Show Unmasked',
        confirm,
      );
      if (!ok) {
        this.post({ type: 'mask', mask: this.mask.states() });
        return false;
      }
      this.audit.record({ action: 'reveal', detail: `${this.doc.uri.fsPath}: categories unmasked in one editor: ${unmasking.join(', ')}` });
    }
    this.mask.apply(known);
    this.contents.clear();
    this.post({ type: 'mask', mask: this.mask.states() });
    // previews follow the mask: the table fetches its rows again
    this.post({ type: 'viewChanged', entryCount: this.doc.entryCount, viewCount: this.viewCount, reason: 'mask' });
    return true;
  }

  async copyEntry(index: number): Promise<string | undefined> {
    const d = await this.detail(index);
    if (!d) return undefined;
    const shown = this.mask.unmasked();
    const label = d.revealed ? 'revealed, unmasked' : maskingLabel(false, shown);
    const text = detailJson(d, label);
    await vscode.env.clipboard.writeText(text);
    if (d.revealed || shown.length > 0) this.audit.record({ action: 'export', detail: `copied entry ${index} of ${this.doc.uri.fsPath} to the clipboard (${label})` });
    this.post({ type: 'notice', level: d.revealed || shown.length > 0 ? 'warning' : 'info', text: `Entry ${index + 1} copied as JSON (${label})` });
    return text;
  }

  /**
   * Copies an entry's prompt or response (or the entry as JSON) to the clipboard, masked as this
   * editor shows it. `unmasked` is a reveal: a modal confirmation and an audit record first
   * (`confirm` answers the dialog in tests).
   */
  async copy(index: number, what: CopyWhat, unmasked: boolean, confirm?: boolean): Promise<{ copied: boolean; label: string }> {
    if (what === 'entry' && !unmasked) {
      const text = await this.copyEntry(index);
      return { copied: text !== undefined, label: 'entry' };
    }
    const e = await this.view?.entry(index);
    if (!e) return { copied: false, label: 'not available' };
    const part = what === 'entry' ? 'entry' : what;
    if (unmasked) {
      const ok = await this.confirmReveal(
        `Copy the ${part} of entry ${index + 1} of ${this.doc.fileName} unmasked?`,
        'The clipboard will hold the decrypted text without masking; other applications can read it. The copy is written to the audit log.',
        'Copy Unmasked',
        confirm,
      );
      if (!ok) return { copied: false, label: 'declined' };
    }
    const shown = this.mask.unmasked();
    const revealed = unmasked || this.revealed.has(index);
    const label = maskingLabel(revealed, shown);
    await vscode.env.clipboard.writeText(copyText(e, what, this.maskOptions(), revealed));
    if (revealed) this.audit.record({ action: 'reveal', source: e.key ?? undefined, detail: `copied the ${part} of ${this.doc.uri.fsPath} entry ${index} id=${e.id ?? '-'} unmasked to the clipboard` });
    else if (shown.length > 0) this.audit.record({ action: 'export', detail: `copied the ${part} of entry ${index} of ${this.doc.uri.fsPath} to the clipboard (${label})` });
    this.post({ type: 'notice', level: label === 'masked' ? 'info' : 'warning', text: `${part[0]!.toUpperCase()}${part.slice(1)} of entry ${index + 1} copied (${label})` });
    return { copied: true, label };
  }

  // ------------------------------------------------------------------ filters, sort, failures, conversation

  /** Filters and text search: streaming over the file, cancellable, with progress and match count. */
  async applyFilters(reqId: number, f: Filters, quiet = false): Promise<number> {
    this.scanCtl?.abort();
    const ctl = new AbortController();
    this.scanCtl = ctl;
    this.filters = { ...f };
    const view = this.view;
    const total = this.doc.entryCount;
    const finish = async (base: ViewOrder, done: number, matches: number, finished: boolean, extra: { cancelled?: boolean; error?: string } = {}): Promise<void> => {
      const seq = ++this.orderSeq;
      this.base = base;
      const order = await this.sorted(base);
      if (seq !== this.orderSeq) return; // a later publication (or sort) won
      this.order = order;
      this.post({ type: 'viewChanged', entryCount: total, viewCount: this.viewCount, reason: 'filter' });
      this.post({ type: 'scanProgress', reqId, done, total, matches, finished, ...extra });
    };
    if (!filtersActive(f) || !view) {
      await finish(ViewOrder.all(total), total, total, true);
      return total;
    }
    let lastPost = 0;
    if (!quiet) await finish(ViewOrder.of([], total), 0, 0, false);
    let matches: number[] = [];
    try {
      matches = await scanFilter(view, new CompiledFilter(f, this.maskOptions()), ctl.signal, (p, found) => {
        if (Date.now() - lastPost > 250) {
          lastPost = Date.now();
          void finish(ViewOrder.of(found, total), p.done, p.matches, false);
        }
      });
    } catch (e) {
      if (!ctl.signal.aborted) {
        await finish(ViewOrder.of(matches, total), total, matches.length, true, { error: (e as Error).message });
        return matches.length;
      }
    }
    if (ctl.signal.aborted) await finish(ViewOrder.of(matches, total), 0, matches.length, true, { cancelled: true });
    else await finish(ViewOrder.of(matches, total), total, matches.length, true);
    return matches.length;
  }

  /** Sorts the view by a column (null: file order). Waits for the background scan of the column values. */
  async setSort(sort: SortOrder | null): Promise<{ viewCount: number }> {
    this.sortOrder = sort && isSortOrder(sort) ? { column: sort.column, descending: sort.descending } : null;
    const seq = ++this.orderSeq;
    const order = await this.sorted(this.base);
    if (seq === this.orderSeq) this.order = order;
    this.post({ type: 'viewChanged', entryCount: this.doc.entryCount, viewCount: this.viewCount, reason: 'sort' });
    return { viewCount: this.viewCount };
  }

  /** Next/previous failed entry (decrypt failure, corrupt line or the record's own error), in view order. */
  async findFailure(fromIndex: number, direction: 1 | -1): Promise<FailureHit> {
    this.failCtl?.abort();
    const ctl = new AbortController();
    this.failCtl = ctl;
    const view = this.view;
    if (!view) return { index: null, pos: null, searched: 0 };
    return findFailure(view, this.order, fromIndex, direction, ctl.signal);
  }

  /** The transcript of the conversation (session, trace or agent) an entry belongs to, masked as this editor shows. */
  async conversation(index: number): Promise<Requests['getConversation']['result']> {
    this.convCtl?.abort();
    const ctl = new AbortController();
    this.convCtl = ctl;
    const view = this.view;
    if (!view) return { key: null, entries: [], items: [], truncated: false };
    return conversationOf(view, index, this.maskOptions(), ctl.signal);
  }

  /** Export the current view as masked JSON lines (always with every mask category on). */
  async exportTo(target: vscode.Uri, progress?: vscode.Progress<{ message?: string; increment?: number }>, token?: vscode.CancellationToken): Promise<number> {
    const view = this.view;
    const opts = defaultMaskOptions();
    const total = this.viewCount;
    const out = fs.createWriteStream(target.fsPath, { mode: 0o600 });
    const ctl = signalFor(token);
    let written = 0;
    const step = Math.max((view?.chunkSize ?? 4) * 8, 32);
    try {
      if (view) {
        for await (const e of orderedEntries(view, this.order, step, ctl.signal)) {
          if (!out.write(maskedEntryJson(e, opts) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
          if (++written % step === 0) progress?.report({ message: `${written} / ${total}`, increment: (step / Math.max(1, total)) * 100 });
        }
      }
    } finally {
      ctl.dispose();
      await new Promise<void>((r) => out.end(() => r()));
    }
    this.audit.record({ action: 'export', detail: `${written} masked entries of ${this.doc.uri.fsPath} -> ${target.fsPath}${ctl.signal.aborted ? ' (cancelled)' : ''}` });
    return written;
  }

  dispose(): void {
    if (this.histTimer) clearTimeout(this.histTimer);
    this.rowsCtl?.abort();
    this.scanCtl?.abort();
    this.failCtl?.abort();
    this.convCtl?.abort();
    for (const d of this.disposables) d.dispose();
  }
}

/** The custom read-only editor for `*.encrypted.log`. */
export class LogViewerProvider implements vscode.CustomReadonlyEditorProvider<LogDocument> {
  readonly panels = new Set<ViewerPanel>();
  readonly documents = new Set<LogDocument>();
  private active: ViewerPanel | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when documents open/close or their census/decryption state changes (for the tree). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly audit: Audit,
    private readonly engines: EngineHost,
    /** Where column layout and sort are remembered (the workspace's state). */
    private readonly layoutStore?: vscode.Memento,
    /** Wraps each panel before use (the test API records its messages); identity otherwise. */
    private readonly observe: (panel: vscode.WebviewPanel) => vscode.WebviewPanel = (panel) => panel,
  ) {
    this.changed.event(() => (this.counts = undefined));
    engines.onDidReset(() => {
      for (const d of this.documents) void d.reopen();
    });
  }

  get activePanel(): ViewerPanel | undefined {
    if (this.active && this.panels.has(this.active)) return this.active;
    return [...this.panels].find((p) => p.panel.active) ?? [...this.panels].pop();
  }

  panelFor(uri: vscode.Uri): ViewerPanel | undefined {
    return [...this.panels].find((p) => p.doc.uri.toString() === uri.toString());
  }

  async openCustomDocument(uri: vscode.Uri): Promise<LogDocument> {
    const doc = new LogDocument(uri, this.engines);
    await doc.open();
    this.documents.add(doc);
    let timer: NodeJS.Timeout | undefined;
    doc.onDidChange((e) => {
      if (e.reason === 'census' || e.reason === 'reset') this.changed.fire();
      else if (e.reason === 'decrypted' && !timer) {
        timer = setTimeout(() => {
          timer = undefined;
          this.changed.fire();
        }, 1000);
      }
    });
    const max = this.engines.settings.current.autoCensusMaxEntries;
    if (doc.entryCount <= max) setTimeout(() => void doc.runCensus(), 1500);
    this.changed.fire();
    return doc;
  }

  async resolveCustomEditor(doc: LogDocument, panel: vscode.WebviewPanel): Promise<void> {
    const p = new ViewerPanel(doc, this.observe(panel), this.extensionUri, this.audit, this.engines, this.layoutStore);
    this.panels.add(p);
    this.active = p;
    panel.onDidChangeViewState(() => {
      if (panel.active) this.active = p;
    });
    panel.onDidDispose(() => {
      p.dispose();
      this.panels.delete(p);
      if (this.active === p) this.active = undefined;
      if (![...this.panels].some((q) => q.doc === doc)) {
        this.documents.delete(doc);
        doc.dispose();
        this.changed.fire();
      }
    });
  }

  private counts: { counts: Map<string, number>; partial: boolean } | undefined;

  /** Entry counts per key label over open logs: census where done, else decrypted-so-far. Computed once per change. */
  countsByKey(): { counts: Map<string, number>; partial: boolean } {
    if (this.counts) return this.counts;
    const counts = new Map<string, number>();
    let partial = false;
    for (const d of this.documents) {
      const c = d.view?.counts();
      if (!c) continue;
      partial ||= c.partial;
      for (const [k, v] of c.counts) counts.set(k, (counts.get(k) ?? 0) + v);
    }
    this.counts = { counts, partial };
    return this.counts;
  }
}
