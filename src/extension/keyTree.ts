import * as vscode from 'vscode';
import { buildLineages, type KeyLineage } from '../core/keys/lineage';
import type { KeyRole } from '../core/model';
import type { LogCounts } from '../core/log-counts';
import { policyKeyBadge } from './policyDecoration';
import type { KeyVersionInfo } from './core';
import type { EngineHost, VersionsSnapshot } from './engineHost';
import type { LogViewerProvider } from './viewer';

export type KeyTreeNode =
  /** `ref`: the source of the lineage's primary (where "new version" acts), else of its newest version. */
  | { kind: 'lineage'; lineage: KeyLineage; ref: string }
  | { kind: 'version'; info: KeyVersionInfo; role: KeyRole; version: string; lineage: string }
  /** A configured source that could not be listed. */
  | { kind: 'source'; ref: string; error: string }
  | { kind: 'message'; text: string };

/**
 * `encryptedLogs.keyVersions`: lineage -> versions (newest first). A lineage is one key's versions across the
 * sources they live in (core/keys/lineage.ts); each version shows its role in the lineage, where it lives, its
 * created time and how many entries of the open logs it opened (census where done, else what has been decrypted
 * so far, marked with ≥). Metadata only: the tree never touches key material.
 */
export class KeyTreeProvider implements vscode.TreeDataProvider<KeyTreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<KeyTreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private snapshot: VersionsSnapshot | undefined;
  private loading: Promise<VersionsSnapshot> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Entries per version in the workspace's logs, counted on demand (encryptedLogs.countWorkspaceEntriesPerKey). */
  private workspaceCounts: LogCounts | undefined;

  constructor(
    private readonly engines: EngineHost,
    private readonly viewer: LogViewerProvider,
  ) {
    this.disposables.push(
      engines.onDidReset(() => this.refresh()),
      viewer.onDidChange(() => this.emitter.fire(undefined)),
      engines.settings.onDidChange((e) => e.affects('keyLineages') && this.refresh()),
      this.emitter,
    );
  }

  setWorkspaceCounts(counts: LogCounts): void {
    this.workspaceCounts = counts;
    this.emitter.fire(undefined);
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

  /** The lineages of the configured keys (with the `encryptedLogs.keyLineages` overrides) and their warnings. */
  async lineages(): Promise<{ lineages: KeyLineage[]; warnings: string[] }> {
    const s = await this.load();
    const { overrides, error } = this.engines.settings.current.keyLineages;
    const built = buildLineages(s.keys, overrides);
    return error ? { ...built, warnings: [error, ...built.warnings] } : built;
  }

  async getChildren(node?: KeyTreeNode): Promise<KeyTreeNode[]> {
    if (!node) {
      const s = await this.load();
      if (!s.refs.length) return [];
      const { lineages, warnings } = await this.lineages();
      const roots: KeyTreeNode[] = lineages.map((l) => ({ kind: 'lineage', lineage: l, ref: (l.versions.find((v) => v.info.label === l.primary) ?? l.versions[l.versions.length - 1]).info.sourceRef }));
      for (const e of s.errors) roots.push({ kind: 'source', ref: e.ref, error: e.message });
      for (const w of warnings) roots.push({ kind: 'message', text: w });
      return roots;
    }
    if (node.kind === 'lineage') {
      const versions: KeyTreeNode[] = [...node.lineage.versions].reverse().map((v) => ({ kind: 'version', info: v.info, role: v.role, version: v.version, lineage: node.lineage.name }));
      return [...versions, ...node.lineage.warnings.map((text): KeyTreeNode => ({ kind: 'message', text }))];
    }
    return [];
  }

  getTreeItem(node: KeyTreeNode): vscode.TreeItem {
    let item: vscode.TreeItem;
    switch (node.kind) {
      case 'lineage': {
        const l = node.lineage;
        item = new vscode.TreeItem(l.name, vscode.TreeItemCollapsibleState.Expanded);
        const n = l.versions.length;
        const primary = l.versions.find((v) => v.info.label === l.primary);
        item.description = [`${n} version${n === 1 ? '' : 's'}`, primary ? `primary ${primary.version}` : 'no primary', l.warnings.length ? `${l.warnings.length} warning${l.warnings.length === 1 ? '' : 's'}` : undefined].filter(Boolean).join(' · ');
        item.tooltip = new vscode.MarkdownString(`**${l.name}** (${l.kind} key; ${LINEAGE_RULE[l.rule]})${l.warnings.map((w) => `\n\n$(warning) ${w}`).join('')}`, true);
        item.contextValue = 'lineage';
        item.iconPath = l.warnings.length ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')) : new vscode.ThemeIcon('key');
        item.id = `lineage:${l.kind}:${l.name}`;
        break;
      }
      case 'source':
        item = new vscode.TreeItem(shortRef(node.ref), vscode.TreeItemCollapsibleState.None);
        item.contextValue = 'source-error';
        item.iconPath = new vscode.ThemeIcon('error');
        item.description = 'unavailable';
        item.tooltip = `${node.ref}: ${node.error}`;
        item.id = `source:${node.ref}`;
        break;
      case 'version': {
        const v = node.info;
        const { counts, partial } = this.viewer.countsByKey();
        const n = counts.get(v.label) ?? 0;
        const countText = this.viewer.documents.size === 0 ? 'no open logs' : `${partial && n >= 0 ? (n > 0 ? '≥' : '') : ''}${n} entr${n === 1 ? 'y' : 'ies'}`;
        const badge = policyKeyBadge(v, counts);
        const ws = this.workspaceCounts;
        const wsText = ws ? `${ws.counts.get(v.label) ?? 0} in ${ws.files} workspace log${ws.files === 1 ? '' : 's'}${ws.cancelled || ws.failed.length ? ' (incomplete)' : ''}` : undefined;
        item = new vscode.TreeItem(node.version, vscode.TreeItemCollapsibleState.None);
        item.description = [node.role, shortRef(v.sourceRef), v.createdTime ? `created ${shortTime(v.createdTime)}` : v.modifiedTime ? `file modified ${shortTime(v.modifiedTime)}` : undefined, countText, wsText, badge?.text].filter(Boolean).join(' · ');
        item.tooltip = new vscode.MarkdownString(
          `**${v.label}**\n\n- lineage: ${node.lineage}\n- role: ${node.role}${node.role !== v.role ? ` (its source alone says ${v.role})` : ''}\n- lives in: ${v.sourceRef}\n- kind: ${v.kind}${v.keyId ? `\n- key id: ${v.keyId}` : ''}\n- created: ${v.createdTime ?? (v.modifiedTime ? `unknown (key file last modified ${v.modifiedTime})` : 'unknown')}\n- entries in open logs: ${countText}${partial ? ' (partial: run *Count Entries per Key Version*)' : ''}${wsText ? `\n- entries in workspace logs: ${wsText}${ws?.failed.length ? ` — not counted: ${ws.failed.map((f) => f.path).join(', ')}` : ''}` : ''}${badge ? `\n- rotation: ${badge.tooltip}` : ''}`,
        );
        item.contextValue = `version-${node.role}`;
        item.iconPath =
          badge && badge.level !== 'due-soon'
            ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
            : new vscode.ThemeIcon(node.role === 'primary' ? 'star-full' : node.role === 'retired' ? 'circle-slash' : 'history');
        item.id = `version:${v.label}`;
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

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** `file:/a/b/kek-v1.key` -> `file:kek-v1.key` (the full ref stays in the description/tooltip). */
function shortRef(ref: string): string {
  return ref.startsWith('file:') ? `file:${ref.slice(ref.lastIndexOf('/') + 1)}` : ref;
}

const LINEAGE_RULE: Record<KeyLineage['rule'], string> = {
  override: 'as configured in encryptedLogs.keyLineages',
  'key-id': 'joined by key id',
  name: 'joined by source name',
  source: 'versions of one source',
  single: 'one version',
};
