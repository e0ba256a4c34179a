import * as vscode from 'vscode';
import * as fs from 'node:fs';
import type { EntryDetail, Filters, HostMessage, MaskCategoryState, RowSummary, WebviewMessage } from '../shared/protocol';
import { filtersActive } from '../shared/protocol';
import type { Audit } from './audit';
import { defaultMaskOptions, MASK_CATEGORIES, maskBudget, maskedEntryJson, maskEntry, maskTextWithin, parseJson, stringifyJson, type DecryptedEntry, type LogRecord, type MaskCategory, type MaskOptions } from './core';
import type { EngineHost } from './engineHost';
import { viewerHtml } from './html';
import { LogDocument } from './logDocument';
import { trustedSetting } from './trustedSettings';

export const VIEW_TYPE = 'encryptedLogs.viewer';

const CATEGORY_LABELS: Record<string, string> = {
  email: 'E-mail',
  phone: 'Phone',
  ssn: 'SSN',
  'credit-card': 'Card',
  'api-key': 'API keys/tokens',
  'ip-address': 'IP',
  'sensitive-key': 'Secret fields',
  custom: 'Custom',
};

/** One webview showing a LogDocument: its mask choices, reveals, filters and the current view. */
export class ViewerPanel implements vscode.Disposable {
  private mask: Record<string, boolean> = Object.fromEntries(MASK_CATEGORIES.map((c) => [c, true]));
  private readonly revealed = new Set<number>();
  private filters: Filters = {};
  /** Positions -> entry indices when filtered; null = every entry in file order. */
  private view: number[] | null = null;
  selected: number | null = null;
  private rowsCtl: AbortController | undefined;
  private scanCtl: AbortController | undefined;
  private failCtl: AbortController | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  /** Test hooks: every message posted to / received from the webview (bounded). */
  readonly posted: HostMessage[] = [];
  readonly received: WebviewMessage[] = [];
  firstDecryptedRowsAt: number | undefined;
  readonly createdAt = Date.now();

  constructor(
    readonly doc: LogDocument,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly audit: Audit,
    private readonly engines: EngineHost,
  ) {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'out', 'media'), vscode.Uri.joinPath(extensionUri, 'media')] };
    webview.html = viewerHtml(webview, extensionUri);
    this.disposables.push(
      webview.onDidReceiveMessage((m: WebviewMessage) => void this.handle(m)),
      doc.onDidChange((e) => this.onDocChange(e.reason)),
    );
  }

  get viewCount(): number {
    return this.view ? this.view.length : this.doc.entryCount;
  }

  private indexAt(pos: number): number {
    return this.view ? (this.view[pos] ?? -1) : pos;
  }

  posOf(index: number): number | null {
    if (!this.view) return index < this.doc.entryCount ? index : null;
    // view is sorted ascending
    let lo = 0;
    let hi = this.view.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.view[mid] ?? 0;
      if (v === index) return mid;
      if (v < index) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  post(m: HostMessage): void {
    this.posted.push(m);
    if (this.posted.length > 1000) this.posted.splice(0, this.posted.length - 1000);
    void this.panel.webview.postMessage(m);
  }

  maskOptions(): MaskOptions {
    const o = defaultMaskOptions();
    for (const c of MASK_CATEGORIES) o.enabled[c as MaskCategory] = this.mask[c] !== false;
    return o;
  }

  private maskState(): MaskCategoryState[] {
    return MASK_CATEGORIES.map((c) => ({ id: c, label: CATEGORY_LABELS[c] ?? c, masked: this.mask[c] !== false }));
  }

  private onDocChange(reason: string): void {
    if (!this.ready) return;
    if (reason === 'tail' || reason === 'reset') {
      if (reason === 'reset') {
        this.revealed.clear();
        this.sendInit();
        return;
      }
      if (filtersActive(this.filters)) void this.applyFilters(0, this.filters, true);
      else this.post({ type: 'viewChanged', entryCount: this.doc.entryCount, viewCount: this.viewCount, reason: 'tail' });
    } else if (reason === 'histogram') {
      this.sendHistogram();
    } else if (reason === 'decrypted' && !this.histTimer && this.doc.histogram.length) {
      // failures and key versions become known as entries decrypt: refresh the histogram's failure
      // bars and the key filter's choices, at most every 2 s
      this.histTimer = setTimeout(() => {
        this.histTimer = undefined;
        this.doc.histogram = this.doc.bucketize();
        this.sendHistogram();
      }, 2000);
    }
  }

  private histTimer: NodeJS.Timeout | undefined;

  private sendHistogram(): void {
    const keys = [...new Set([...this.doc.partialCounts().keys(), ...(this.doc.census?.keys() ?? [])])].sort();
    this.post({ type: 'histogram', buckets: this.doc.histogram, facets: { ...this.doc.facets, keys } });
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
      mask: this.maskState(),
      filters: this.filters,
    });
    if (this.doc.histogram.length) this.sendHistogram();
    void this.engines.versions().then((v) => {
      if (v.errors.length) this.post({ type: 'notice', level: 'warning', text: v.errors.map((e) => `${e.ref}: ${e.message}`).join('\n') });
    });
  }

  /** Entry point for webview messages (also used by the host tests to drive the protocol). */
  async handle(m: WebviewMessage): Promise<void> {
    this.engines.touch();
    this.received.push(m);
    if (this.received.length > 1000) this.received.splice(0, this.received.length - 1000);
    try {
      switch (m.type) {
        case 'ready':
          this.ready = true;
          this.sendInit();
          break;
        case 'getRows':
          await this.getRows(m.reqId, m.from, m.count);
          break;
        case 'getDetail':
          this.post({ type: 'detail', reqId: m.reqId, detail: await this.detail(m.index) });
          break;
        case 'setMask':
          await this.setMask(m.categories);
          break;
        case 'reveal':
          await this.reveal(m.index);
          break;
        case 'applyFilters':
          await this.applyFilters(m.reqId, m.filters);
          break;
        case 'cancelScan':
          this.scanCtl?.abort();
          break;
        case 'findFailure':
          await this.findFailure(m.reqId, m.fromIndex, m.direction);
          break;
        case 'copyEntry':
          await this.copyEntry(m.index);
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
      }
    } catch (e) {
      this.post({ type: 'notice', level: 'error', text: (e as Error).message });
    }
  }

  private async getRows(reqId: number, from: number, count: number): Promise<void> {
    this.rowsCtl?.abort(); // a newer viewport wins: cancel stale decryption
    const ctl = new AbortController();
    this.rowsCtl = ctl;
    const n = this.viewCount;
    const start = Math.max(0, Math.min(from, n));
    const end = Math.min(n, start + Math.max(0, Math.min(count, 500)));
    const indices: number[] = [];
    for (let p = start; p < end; p++) indices.push(this.indexAt(p));
    const recs = await this.doc.recordsAt(indices);
    const posOf = new Map<number, number>();
    indices.forEach((idx, k) => posOf.set(idx, start + k));
    const rows: RowSummary[] = [];
    for (const idx of indices) {
      const r = recs.get(idx);
      if (r) rows.push(this.row(r, posOf.get(idx) ?? 0));
    }
    this.post({ type: 'rows', reqId, rows, viewCount: n });
    // Decrypt what is visible and not known yet, visible order first.
    const pending = rows.filter((r) => r.status === 'pending').map((r) => r.index);
    if (!pending.length) {
      this.markFirstRows(rows);
      return;
    }
    await this.doc.decrypt(pending, ctl.signal, (entries) => {
      if (ctl.signal.aborted) return;
      const upd: RowSummary[] = [];
      for (const e of entries) {
        const rec = recs.get(e.index) ?? e.record;
        upd.push(this.row(rec, posOf.get(e.index) ?? 0));
      }
      this.post({ type: 'rowsUpdate', rows: upd });
      this.markFirstRows(upd);
    });
  }

  /** A table row, its plaintext model name and error masked as in the detail pane. */
  private row(rec: LogRecord, pos: number): RowSummary {
    const r = this.doc.rowFor(rec, pos);
    const opts = this.maskOptions();
    const budget = maskBudget();
    const text = (s: string | null) => (s === null ? null : maskTextWithin(s, opts, budget));
    return { ...r, model: text(r.model), error: text(r.error) };
  }

  private markFirstRows(rows: RowSummary[]): void {
    if (this.firstDecryptedRowsAt === undefined && rows.some((r) => r.status !== 'pending')) this.firstDecryptedRowsAt = Date.now();
  }

  private async entry(index: number): Promise<DecryptedEntry | undefined> {
    const c = this.doc.cached(index);
    if (c) return c;
    const [e] = await this.doc.decrypt([index], undefined, undefined, true);
    return e;
  }

  private toDetail(e: DecryptedEntry, revealed: boolean, opts: MaskOptions): EntryDetail {
    const r = e.record;
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
      status: e.status,
      reason: e.reason,
      error: m ? m.plain.error : (e.error ?? r.error),
      requestJson: json(m ? m.request : e.request),
      responseJson: json(m ? m.response : e.response),
      maskOverBudget: m?.overBudget ?? false,
      revealed,
    };
  }

  async detail(index: number): Promise<EntryDetail | null> {
    if (index < 0 || index >= this.doc.entryCount) return null;
    const e = await this.entry(index);
    if (!e) return null;
    return this.toDetail(e, this.revealed.has(index), this.maskOptions());
  }

  /** Reveal one entry unmasked, after a modal confirmation; audited. `confirm` is for tests. */
  async reveal(index: number, confirm?: boolean): Promise<boolean> {
    const e = await this.entry(index);
    if (!e) return false;
    const ok =
      confirm ??
      (await vscode.window.showWarningMessage(
        `Reveal entry ${index + 1} of ${this.doc.fileName} unmasked?`,
        { modal: true, detail: 'The decrypted prompt and response are shown without masking in this editor only. The reveal is written to the audit log.' },
        'Reveal',
      )) === 'Reveal';
    if (!ok) return false;
    this.revealed.add(index);
    this.audit.record({ action: 'reveal', source: e.key ?? undefined, detail: `${this.doc.uri.fsPath} entry ${index} id=${e.id ?? '-'}` });
    this.post({ type: 'revealed', index, detail: this.toDetail(e, true, this.maskOptions()) });
    return true;
  }

  /**
   * Masking choices of this editor. Unmasking a category is a reveal: a modal confirmation naming the
   * categories, an audit record; it holds for this editor only and is never persisted. Masking again
   * needs no confirmation. `confirm` answers the dialog (tests). Returns false when the user declined.
   */
  async setMask(categories: Record<string, boolean>, confirm?: boolean): Promise<boolean> {
    const known = Object.entries(categories).filter(([c, v]) => (MASK_CATEGORIES as readonly string[]).includes(c) && typeof v === 'boolean');
    const unmasking = known.filter(([c, masked]) => !masked && this.mask[c] !== false).map(([c]) => c);
    if (unmasking.length > 0) {
      const names = unmasking.map((c) => CATEGORY_LABELS[c] ?? c).join(', ');
      const ok =
        confirm ??
        (await vscode.window.showWarningMessage(
          `Show ${names} unmasked in ${this.doc.fileName}?`,
          { modal: true, detail: 'Every entry of this editor shows these values in clear until you mask them again or close it (other editors stay masked; not remembered). The reveal is written to the audit log.' },
          'Show Unmasked',
        )) === 'Show Unmasked';
      if (!ok) {
        this.post({ type: 'mask', mask: this.maskState() });
        return false;
      }
      this.audit.record({ action: 'reveal', detail: `${this.doc.uri.fsPath}: categories unmasked in one editor: ${unmasking.join(', ')}` });
    }
    this.mask = { ...this.mask, ...Object.fromEntries(known) };
    this.post({ type: 'mask', mask: this.maskState() });
    return true;
  }

  /** Categories this editor shows unmasked (by the toggles). */
  private unmaskedCategories(): string[] {
    return MASK_CATEGORIES.filter((c) => this.mask[c] === false);
  }

  async copyEntry(index: number): Promise<string | undefined> {
    const d = await this.detail(index);
    if (!d) return undefined;
    const { requestJson, responseJson, ...rest } = d;
    const tree = (t: string | null) => (t === null ? null : parseJson(t));
    const shown = this.unmaskedCategories();
    const label = d.revealed ? 'revealed, unmasked' : shown.length > 0 ? `masked except ${shown.join(', ')}` : 'masked';
    const text = stringifyJson({ ...rest, request: tree(requestJson), response: tree(responseJson), masking: label });
    await vscode.env.clipboard.writeText(text);
    if (d.revealed || shown.length > 0) this.audit.record({ action: 'export', detail: `copied entry ${index} of ${this.doc.uri.fsPath} to the clipboard (${label})` });
    this.post({ type: 'notice', level: d.revealed || shown.length > 0 ? 'warning' : 'info', text: `Entry ${index + 1} copied as JSON (${label})` });
    return text;
  }

  private needsDecrypt(f: Filters): boolean {
    return !!(f.text || f.status || f.key);
  }

  private cheapMatch(r: LogRecord, f: Filters, fromT: number, toT: number): boolean {
    if (f.agent && !(r.agentId ?? '').toLowerCase().includes(f.agent.toLowerCase())) return false;
    if (f.model && !(r.modelIdentifier ?? '').toLowerCase().includes(f.model.toLowerCase())) return false;
    if (f.type && r.interactionType !== f.type) return false;
    if (!Number.isNaN(fromT) || !Number.isNaN(toT)) {
      const t = r.timestamp ? Date.parse(r.timestamp) : NaN;
      if (Number.isNaN(t)) return false;
      if (!Number.isNaN(fromT) && t < fromT) return false;
      if (!Number.isNaN(toT) && t > toT) return false;
    }
    return true;
  }

  private fullMatch(e: DecryptedEntry, f: Filters, opts: MaskOptions): boolean {
    const failed = e.status === 'error' || !!e.record.error;
    if (f.status === 'ok' && failed) return false;
    if (f.status === 'error' && !failed) return false;
    if (f.key && (e.key ?? 'unknown') !== f.key) return false;
    if (f.text) {
      // Search what the user can see: the masked rendering (a hidden value cannot be probed).
      const m = maskEntry(e, opts);
      const hay = stringifyJson([m.request, m.response, m.plain.metadata, m.plain.error, m.plain.model]).toLowerCase();
      if (!hay.includes(f.text.toLowerCase())) return false;
    }
    return true;
  }

  /** Filters and text search: streaming over the file, cancellable, with progress and match count. */
  async applyFilters(reqId: number, f: Filters, quiet = false): Promise<number> {
    this.scanCtl?.abort();
    const ctl = new AbortController();
    this.scanCtl = ctl;
    this.filters = { ...f };
    const total = this.doc.entryCount;
    if (!filtersActive(f)) {
      this.view = null;
      this.post({ type: 'viewChanged', entryCount: total, viewCount: total, reason: 'filter' });
      this.post({ type: 'scanProgress', reqId, done: total, total, matches: total, finished: true });
      return total;
    }
    const fromT = f.from ? Date.parse(f.from) : NaN;
    const toT = f.to ? Date.parse(f.to) : NaN;
    const opts = this.maskOptions();
    const matches: number[] = [];
    const step = this.needsDecrypt(f) ? Math.max(this.doc.chunkSize * 4, 16) : 4096;
    let lastPost = 0;
    const publish = (finished: boolean, cancelled = false, error?: string): void => {
      this.view = [...matches];
      this.post({ type: 'viewChanged', entryCount: total, viewCount: this.view.length, reason: 'filter' });
      this.post({ type: 'scanProgress', reqId, done: finished ? total : done, total, matches: matches.length, finished, ...(cancelled ? { cancelled } : {}), ...(error ? { error } : {}) });
    };
    let done = 0;
    if (!quiet) publish(false);
    try {
      for (let from = 0; from < total; from += step) {
        if (ctl.signal.aborted) break;
        const recs = await this.doc.session!.readRecords(from, Math.min(step, total - from));
        const cand = recs.filter((r) => this.cheapMatch(r, f, fromT, toT));
        if (this.needsDecrypt(f) && cand.length) {
          const known: DecryptedEntry[] = [];
          const need: number[] = [];
          for (const r of cand) {
            const c = this.doc.cached(r.index);
            if (c) known.push(c);
            else need.push(r.index);
          }
          const got = need.length ? await this.doc.decrypt(need, ctl.signal, undefined, true) : [];
          if (ctl.signal.aborted) break;
          const byIdx = new Map<number, DecryptedEntry>();
          for (const e of [...known, ...got]) byIdx.set(e.index, e);
          for (const r of cand) {
            const e = byIdx.get(r.index);
            if (e && this.fullMatch(e, f, opts)) matches.push(r.index);
          }
        } else {
          for (const r of cand) matches.push(r.index);
        }
        done = Math.min(total, from + step);
        if (Date.now() - lastPost > 250) {
          lastPost = Date.now();
          publish(false);
        }
      }
    } catch (e) {
      if (!ctl.signal.aborted) {
        publish(true, false, (e as Error).message);
        return matches.length;
      }
    }
    if (ctl.signal.aborted) {
      publish(false, true);
      this.post({ type: 'scanProgress', reqId, done, total, matches: matches.length, finished: true, cancelled: true });
    } else publish(true);
    return matches.length;
  }

  /** Next/previous failed entry (decrypt failure, corrupt line or the record's own error). */
  async findFailure(reqId: number, fromIndex: number, direction: 1 | -1): Promise<number | null> {
    this.failCtl?.abort();
    const ctl = new AbortController();
    this.failCtl = ctl;
    const n = this.viewCount;
    let pos = this.posOf(fromIndex);
    if (pos === null) pos = direction > 0 ? -1 : n;
    const step = Math.max(this.doc.chunkSize * 2, 8);
    let searched = 0;
    for (let p = pos + direction; p >= 0 && p < n && !ctl.signal.aborted; ) {
      const batch: number[] = [];
      for (let k = 0; k < step && p >= 0 && p < n; k++, p += direction) batch.push(this.indexAt(p));
      const recs = await this.doc.recordsAt(batch);
      const unknown = batch.filter((i) => !this.doc.isKnown(i) && !recs.get(i)?.parseError && !recs.get(i)?.error);
      if (unknown.length) await this.doc.decrypt(unknown, ctl.signal);
      for (const i of batch) {
        searched++;
        const r = recs.get(i);
        if (r?.parseError || r?.error || this.doc.isFailure(i)) {
          const fp = this.posOf(i);
          this.post({ type: 'failureFound', reqId, index: i, pos: fp, searched });
          return i;
        }
      }
    }
    this.post({ type: 'failureFound', reqId, index: null, pos: null, searched });
    return null;
  }

  /** Export the current view as masked JSON lines (always with every mask category on). */
  async exportTo(target: vscode.Uri, progress?: vscode.Progress<{ message?: string; increment?: number }>, token?: vscode.CancellationToken): Promise<number> {
    const opts = defaultMaskOptions();
    const total = this.viewCount;
    const out = fs.createWriteStream(target.fsPath, { mode: 0o600 });
    const ctl = new AbortController();
    token?.onCancellationRequested(() => ctl.abort());
    let written = 0;
    const step = Math.max(this.doc.chunkSize * 8, 32);
    try {
      for (let p = 0; p < total && !ctl.signal.aborted; p += step) {
        const idx: number[] = [];
        for (let k = p; k < Math.min(total, p + step); k++) idx.push(this.indexAt(k));
        const got = new Map<number, DecryptedEntry>();
        const need: number[] = [];
        for (const i of idx) {
          const c = this.doc.cached(i);
          if (c) got.set(i, c);
          else need.push(i);
        }
        for (const e of await this.doc.decrypt(need, ctl.signal, undefined, true)) got.set(e.index, e);
        for (const i of idx) {
          const e = got.get(i);
          if (!e) continue;
          if (!out.write(maskedEntryJson(e, opts) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
          written++;
        }
        progress?.report({ message: `${written} / ${total}`, increment: (step / Math.max(1, total)) * 100 });
      }
    } finally {
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
  ) {
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
    const max = trustedSetting<number>('encryptedLogs', 'autoCensusMaxEntries') ?? 20000;
    if (doc.entryCount <= max) setTimeout(() => void doc.runCensus(), 1500);
    this.changed.fire();
    return doc;
  }

  async resolveCustomEditor(doc: LogDocument, panel: vscode.WebviewPanel): Promise<void> {
    const p = new ViewerPanel(doc, panel, this.extensionUri, this.audit, this.engines);
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

  /** Entry counts per key label over open logs: census where done, else decrypted-so-far. */
  countsByKey(): { counts: Map<string, number>; partial: boolean } {
    const counts = new Map<string, number>();
    let partial = false;
    for (const d of this.documents) {
      const m = d.census ?? d.partialCounts();
      if (!d.census) partial = true;
      for (const [k, v] of m) counts.set(k, (counts.get(k) ?? 0) + v);
    }
    return { counts, partial };
  }
}
