/**
 * The HTML shell of a webview page (pure; no 'vscode'): CSP `default-src 'none'`, one nonce for the
 * inlined style and script. The viewer's page (src/extension/html.ts) and the P7 bench's blank
 * baseline (bench/fixtures/blank-webview) are both made with it, so that they share the CSP shape.
 */
export interface ShellParts {
  /** The webview's `cspSource`. */
  cspSource: string;
  nonce: string;
  title: string;
  style: string;
  body: string;
  /** Inlined script text; none: the page has no script. */
  script?: string;
}

export function webviewShell(p: ShellParts): string {
  const csp = [
    "default-src 'none'",
    `style-src ${p.cspSource} 'nonce-${p.nonce}'`,
    `script-src 'nonce-${p.nonce}'`,
    `img-src ${p.cspSource} data:`,
    `font-src ${p.cspSource}`,
  ].join('; ');
  const style = p.style.replace(/<\/style/gi, '<\\/style');
  const script = p.script === undefined ? '' : `\n<script nonce="${p.nonce}">${p.script.replace(/<\/script/gi, '<\\/script')}</script>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${p.nonce}">${style}</style>
<title>${p.title}</title>
</head>
<body>
${p.body}${script}
</body>
</html>`;
}
