import * as vscode from 'vscode';
import type { PolicyFinding, Severity } from './policyCore';

export const POLICY_DIAGNOSTICS = 'encryptedLogs.policy';
export const POLICY_SOURCE = 'enclog policy';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function toDiagnostic(f: PolicyFinding): vscode.Diagnostic {
  const line = Math.max(0, (f.line ?? 1) - 1);
  const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), `${f.message}\nFix: ${f.fix}`, SEVERITY[f.severity]);
  d.source = POLICY_SOURCE;
  d.code = f.rule;
  if (f.moreLines?.length && f.file) {
    const uri = vscode.Uri.file(f.file);
    d.relatedInformation = f.moreLines.map((l) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, new vscode.Position(l - 1, 0)), 'also here'));
  }
  return d;
}

/** Replaces the collection's content with the findings that name a file (the rest belong to keys: see the status bar). */
export function publishFindings(collection: vscode.DiagnosticCollection, findings: readonly PolicyFinding[]): number {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const f of findings) {
    if (!f.file) continue;
    byFile.set(f.file, [...(byFile.get(f.file) ?? []), toDiagnostic(f)]);
  }
  collection.clear();
  collection.set([...byFile].map(([file, diags]) => [vscode.Uri.file(file), diags] as [vscode.Uri, vscode.Diagnostic[]]));
  return byFile.size;
}
