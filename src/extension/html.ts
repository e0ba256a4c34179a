import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { webviewShell } from '../shared/webview-shell';

const inlined = new Map<string, string>();

/** A file of the extension, read once per window (they ship with it and do not change while it runs). */
function asset(extensionUri: vscode.Uri, ...parts: string[]): string {
  const file = vscode.Uri.joinPath(extensionUri, ...parts).fsPath;
  let text = inlined.get(file);
  if (text === undefined) {
    text = readFileSync(file, 'utf8');
    inlined.set(file, text);
  }
  return text;
}

/**
 * The viewer's HTML shell: CSP `default-src 'none'`, one nonce for the script and the style, theme
 * variables in CSS. Script and style are inlined: a new webview then needs no further resource load
 * (each one a round trip through the webview's service worker, and to the server in a remote window).
 */
export function viewerHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  // (a development build's source map comment would point at the webview's own address: dropped)
  const script = asset(extensionUri, 'out', 'media', 'webview.js').replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  return webviewShell({
    cspSource: webview.cspSource,
    nonce: randomBytes(16).toString('base64'),
    title: 'Encrypted Log Viewer',
    style: asset(extensionUri, 'media', 'webview.css'),
    body: '<div id="app" data-nonce-ok="1"></div>',
    script,
  });
}
