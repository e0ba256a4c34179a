import * as vscode from 'vscode';
import * as path from 'node:path';
import type { FormatId, LogSession } from './core';
import { LogView, type LogViewChange } from '../core/view';
import { signalFor } from './cancellation';
import type { EngineHost } from './engineHost';

/** Entries decrypted ahead of the webview's first request (it asks for the visible rows and some more). */
const FIRST_PAGE = 100;
/** While a huge log is still being indexed, the webview hears about the growing entry count this often. */
const INDEX_ANNOUNCE_MS = 250;

export type DocumentChange = LogViewChange | 'tail' | 'reset';

/**
 * One open `*.encrypted.log` as a VS Code custom document: opens the core LogSession, follows the
 * file (watcher + poll for the live tail) and owns the LogView (src/core/view) every panel of it
 * shares. Panels read the view; they never write document state.
 */
export class LogDocument implements vscode.CustomDocument {
  private current: LogView | undefined;
  openError: string | undefined;
  /** The format chosen with "Reopen with Format…" (undefined: detected). Kept while the document is open. */
  formatOverride: FormatId | undefined;
  private readonly changed = new vscode.EventEmitter<{ reason: DocumentChange }>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private reopening: Promise<void> = Promise.resolve();

  constructor(
    readonly uri: vscode.Uri,
    private readonly engines: EngineHost,
  ) {}

  get fileName(): string {
    return path.basename(this.uri.fsPath);
  }

  /** The shared per-file state; undefined when the file could not be opened. */
  get view(): LogView | undefined {
    return this.current;
  }

  get session(): LogSession | undefined {
    return this.current?.session;
  }

  get entryCount(): number {
    return this.current?.entryCount ?? 0;
  }

  async open(): Promise<void> {
    let session: LogSession | undefined;
    try {
      const engine = await this.engines.get();
      // Progressive: the first screen of a 1 GB log costs what a small one does; the rest is indexed
      // in the background and announced like a tail.
      session = await engine.open(this.uri.fsPath, { progressive: true, format: this.formatOverride });
      this.openError = undefined;
    } catch (e) {
      this.openError = (e as Error).message;
    }
    this.current?.dispose();
    const view = session ? new LogView(session, (reason) => this.changed.fire({ reason })) : undefined;
    this.current = view;
    this.watch();
    if (view?.session.indexing) this.followIndexing(view);
    else void view?.scan();
    if (view) this.prefetchFirstPage(view);
  }

  /**
   * Decrypts the first page (loading the keys) while the webview is still starting, which takes
   * seconds in a cold window: its first `getRows` then finds the rows decrypted. One chunk at most, so
   * all of it is in flight at once and a `getRows` arriving meanwhile waits for it (LogView decrypts an
   * entry once however many ask, handing the waiting caller the result) instead of decrypting it again.
   */
  private prefetchFirstPage(view: LogView): void {
    const n = Math.min(view.entryCount, view.chunkSize, FIRST_PAGE);
    if (!n) return;
    void view.decrypt(Array.from({ length: n }, (_, i) => i)).catch(() => undefined);
  }

  private followIndexing(view: LogView): void {
    let announced = 0;
    const announce = (): void => {
      if (this.current !== view) return;
      view.grow(view.entryCount);
      this.changed.fire({ reason: 'tail' });
      announced = Date.now();
    };
    const stop = view.session.onIndexProgress(() => {
      if (Date.now() - announced >= INDEX_ANNOUNCE_MS) announce();
    });
    view.session.whenIndexed().then(
      () => {
        stop();
        announce();
        if (this.current === view) void view.scan();
      },
      () => stop(),
    );
  }

  /** Reads the file again as `format` (undefined: detect it), forgetting every decryption result. */
  reopenAs(format: FormatId | undefined): Promise<void> {
    this.formatOverride = format;
    return this.reopen();
  }

  /** The engine was replaced (keys changed): reopen and forget every decryption result. Serialized. */
  reopen(): Promise<void> {
    this.reopening = this.reopening.then(() => this.reopenNow()).catch(() => undefined);
    return this.reopening;
  }

  private async reopenNow(): Promise<void> {
    const old = this.current;
    old?.dispose();
    this.current = undefined;
    await old?.session.close().catch(() => undefined);
    await this.open();
    this.changed.fire({ reason: 'reset' });
  }

  private watch(): void {
    if (this.disposables.length) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(this.uri.fsPath)), path.basename(this.uri.fsPath)));
    const kick = (): void => this.scheduleRefresh();
    this.disposables.push(w, w.onDidChange(kick), w.onDidCreate(kick));
    // File watchers may be coarse (remote, polling); a slow poll makes the tail dependable.
    const poll = setInterval(kick, 2000);
    this.disposables.push({ dispose: () => clearInterval(poll) });
  }

  scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refreshNow();
    }, 150);
  }

  /** Live tail: extend the index with appended lines; a replaced file starts a new view. */
  async refreshNow(): Promise<{ appended: number; replaced: boolean }> {
    const view = this.current;
    if (!view || this.refreshing) return { appended: 0, replaced: false };
    this.refreshing = true;
    try {
      const r = await view.session.refresh();
      if (r.replaced) {
        view.dispose();
        const fresh = new LogView(view.session, (reason) => this.changed.fire({ reason }));
        this.current = fresh;
        this.changed.fire({ reason: 'reset' });
        void fresh.scan();
      } else if (r.appended > 0) {
        view.grow(view.entryCount);
        this.changed.fire({ reason: 'tail' });
        void view.scan();
      }
      return r;
    } catch {
      return { appended: 0, replaced: false };
    } finally {
      this.refreshing = false;
    }
  }

  /** Census (entries per key version). Automatic for small logs, on request for big ones. */
  async runCensus(onProgress?: (done: number, total: number) => void, token?: vscode.CancellationToken): Promise<void> {
    const view = this.current;
    if (!view) return;
    const ctl = signalFor(token);
    try {
      await view.runCensus(onProgress, ctl.signal);
    } finally {
      ctl.dispose();
    }
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    const view = this.current;
    this.current = undefined;
    view?.dispose();
    void view?.session.close().catch(() => undefined);
    this.changed.dispose();
  }
}
