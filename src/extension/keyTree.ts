import * as vscode from 'vscode';
import { policyKeyBadge } from './policyDecoration';
import type { KeyVersionInfo } from './core';
import type { EngineHost, VersionsSnapshot } from './engineHost';
import type { LogViewerProvider } from './viewer';

export type KeyTreeNode =
  | { kind: 'source'; ref: string; error?: string; versions: KeyVersionInfo[] }
  | { kind: 'key'; ref: string; key: string; versions: KeyVersionInfo[] }
  | { kind: 'version'; info: KeyVersionInfo }
  | { kind: 'message'; text: string };

/**
 * `encryptedLogs.keyVersions`: source -> key -> versions. Each version shows its role, created
 * time and how many entries of the open logs it opened (census where done, else what has been
 * decrypted so far, marked with ≥). Metadata only: the tree never touches key material.
 */
export class KeyTreeProvider implements vscode.TreeDataProvider<KeyTreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<KeyTreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private snapshot: VersionsSnapshot | undefined;
  private loading: Promise<VersionsSnapshot> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Last rendered items (for tests): label -> description. */
  readonly rendered = new Map<string, string>();

  constructor(
    private readonly engines: EngineHost,
    private readonly viewer: LogViewerProvider,
  ) {
    this.disposables.push(
      engines.onDidReset(() => this.refresh()),
      viewer.onDidChange(() => this.emitter.fire(undefined)),
      this.emitter,
    );
  }

  refresh(): void {
    this.snapshot = undefined;
    this.loading = undefined;
    this.emitter.fire(undefined);
  }

  async load(): Promise<VersionsSnapshot> {
    if (this.snapshot) return this.snapshot;
    if (!this.loading) {
      this.loading = this.engines.versions().then((s) => {
        this.snapshot = s;
        return s;
      });
    }
    return this.loading;
  }

  async getChildren(node?: KeyTreeNode): Promise<KeyTreeNode[]> {
    if (!node) {
      const s = await this.load();
      if (!s.refs.length) return [];
      return s.refs.map((ref) => {
        const err = s.errors.find((e) => e.ref === ref);
        return { kind: 'source', ref, versions: s.keys.filter((k) => k.sourceRef === ref), ...(err ? { error: err.message } : {}) };
      });
    }
    if (node.kind === 'source') {
      if (node.error) return [{ kind: 'message', text: node.error }];
      if (!node.versions.length) return [{ kind: 'message', text: 'no versions' }];
      const groups = new Map<string, KeyVersionInfo[]>();
      for (const v of node.versions) {
        const g = v.keyId && v.kind !== 'symbiont' ? v.keyId : v.kind === 'symbiont' ? 'symbiont key' : v.kind;
        groups.set(g, [...(groups.get(g) ?? []), v]);
      }
      return [...groups].map(([key, versions]) => ({ kind: 'key', ref: node.ref, key, versions }));
    }
    if (node.kind === 'key') return [...node.versions].sort((a, b) => b.order - a.order).map((info) => ({ kind: 'version', info }));
    return [];
  }

  getTreeItem(node: KeyTreeNode): vscode.TreeItem {
    let item: vscode.TreeItem;
    switch (node.kind) {
      case 'source': {
        item = new vscode.TreeItem(shortRef(node.ref), vscode.TreeItemCollapsibleState.Expanded);
        item.contextValue = node.error ? 'source-error' : 'source';
        item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : sourceIcon(node.ref));
        item.description = node.error ? 'unavailable' : `${node.versions.length} version${node.versions.length === 1 ? '' : 's'}${shortRef(node.ref) !== node.ref ? ` · ${node.ref}` : ''}`;
        item.tooltip = node.error ?? node.ref;
        item.id = `source:${node.ref}`;
        break;
      }
      case 'key':
        item = new vscode.TreeItem(node.key, vscode.TreeItemCollapsibleState.Expanded);
        item.contextValue = 'key';
        item.iconPath = new vscode.ThemeIcon('key');
        item.id = `key:${node.ref}:${node.key}`;
        break;
      case 'version': {
        const v = node.info;
        const { counts, partial } = this.viewer.countsByKey();
        const n = counts.get(v.label) ?? 0;
        const countText = this.viewer.documents.size === 0 ? 'no open logs' : `${partial && n >= 0 ? (n > 0 ? '≥' : '') : ''}${n} entr${n === 1 ? 'y' : 'ies'}`;
        const badge = policyKeyBadge(v, counts);
        item = new vscode.TreeItem(v.version, vscode.TreeItemCollapsibleState.None);
        item.description = [v.role, v.createdTime ? `created ${v.createdTime.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}` : undefined, countText, badge?.text].filter(Boolean).join(' · ');
        item.tooltip = new vscode.MarkdownString(
          `**${v.label}**\n\n- role: ${v.role}\n- kind: ${v.kind}${v.keyId ? `\n- key id: ${v.keyId}` : ''}\n- created: ${v.createdTime ?? 'unknown'}\n- entries in open logs: ${countText}${partial ? ' (partial: run *Count Entries per Key Version*)' : ''}${badge ? `\n- rotation: ${badge.tooltip}` : ''}`,
        );
        item.contextValue = `version-${v.role}`;
        item.iconPath =
          badge && badge.level !== 'due-soon'
            ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
            : new vscode.ThemeIcon(v.role === 'primary' ? 'star-full' : v.role === 'retired' ? 'circle-slash' : 'history');
        item.id = `version:${v.label}`;
        this.rendered.set(v.label, String(item.description));
        break;
      }
      case 'message':
        item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('warning');
        item.contextValue = 'message';
        break;
    }
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** `file:/a/b/kek-v1.key` -> `file:kek-v1.key` (the full ref stays in the description/tooltip). */
function shortRef(ref: string): string {
  return ref.startsWith('file:') ? `file:${ref.slice(ref.lastIndexOf('/') + 1)}` : ref;
}

function sourceIcon(ref: string): string {
  if (ref.startsWith('env:')) return 'symbol-variable';
  if (ref.startsWith('file:')) return 'file';
  if (ref.startsWith('vault')) return 'server';
  return 'lock';
}
