import assert from 'node:assert/strict';
import { webviewShell } from '../../src/shared/webview-shell';

describe('webview shell (the viewer page and the P7 blank baseline)', () => {
  const base = { cspSource: 'https://src.example', nonce: 'N0nce', title: 'T', style: 'p { color: red }', body: '<p id="ready">ready</p>' };

  it("CSP default-src 'none'; style and script only by the nonce; the style and script are inlined with it", () => {
    const html = webviewShell({ ...base, script: 'window.x = 1;' });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!;
    assert.deepEqual(csp.split('; '), [
      "default-src 'none'",
      "style-src https://src.example 'nonce-N0nce'",
      "script-src 'nonce-N0nce'",
      'img-src https://src.example data:',
      'font-src https://src.example',
    ]);
    assert.ok(html.includes('<style nonce="N0nce">p { color: red }</style>'));
    assert.ok(html.includes('<script nonce="N0nce">window.x = 1;</script>'));
    assert.ok(html.includes('<body>\n<p id="ready">ready</p>'));
  });

  it('a closing tag inside the inlined style or script cannot end it early; no script: no script element', () => {
    const html = webviewShell({ ...base, style: 'a::after { content: "</STYLE><b>" }', script: 'const s = "</SCRIPT><img src=x>";' });
    assert.equal(html.match(/<\/style/gi)!.length, 1, html);
    assert.equal(html.match(/<\/script/gi)!.length, 1, html);
    assert.ok(!webviewShell(base).includes('<script'));
  });
});
