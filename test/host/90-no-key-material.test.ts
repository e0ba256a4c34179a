/**
 * Runs last in the host suite, after the other tests opened, searched, revealed, exported and rotated:
 * no file the extension (or code-server on its behalf: logs, output channels, global/workspace
 * storage, settings) wrote holds the fixture's keys in any encoding, and neither does the audit.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension/main';

function filesUnder(dir: string, skip: (p: string) => boolean): string[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return names.flatMap((d) => {
    const p = path.join(dir, d.name);
    if (skip(p)) return [];
    if (d.isDirectory()) return filesUnder(p, skip);
    return d.isFile() ? [p] : [];
  });
}

describe('no key material in anything the extension wrote', () => {
  it('code-server user data (logs, output channels, storage, settings), the workspace and the audit hold no key', async () => {
    const api = (await vscode.extensions.getExtension<ExtensionApi>('enclog.encrypted-log-inspector')!.activate()) as ExtensionApi;
    const workspace = process.env.ENCLOG_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const keysDir = path.join(workspace, 'keys');
    // The key strings as the fixture wrote them, and for KEKs the 32 key bytes in every encoding.
    const needles: Buffer[] = [];
    for (const f of fs.readdirSync(keysDir).filter((n) => n.endsWith('.key'))) {
      const text = fs.readFileSync(path.join(keysDir, f), 'utf8').trim();
      needles.push(Buffer.from(text));
      const b64 = /^[\w.-]+:([A-Za-z0-9+/]{43}=)$/.exec(text)?.[1];
      if (b64) {
        const raw = Buffer.from(b64, 'base64');
        needles.push(Buffer.from(b64), Buffer.from(raw.toString('base64url')), Buffer.from(raw.toString('hex')), raw);
      }
    }
    assert.ok(needles.length >= 8, 'the fixture has Symbiont key strings and KEKs');
    // the runner's temp dir: workspace/ and cs/ (code-server user data, extensions, XDG dirs)
    const root = path.dirname(workspace);
    const isKeyFile = (p: string): boolean => p.startsWith(keysDir + path.sep) || p.endsWith('.key');
    const files = filesUnder(root, (p) => isKeyFile(p) || /[/\\](CachedData|CachedExtensionVSIXs|chromium)([/\\]|$)/.test(p));
    assert.ok(files.some((p) => p.includes(`${path.sep}logs${path.sep}`)), `code-server logs were searched (${files.length} files)`);
    let searched = 0;
    for (const p of files) {
      const st = fs.statSync(p);
      if (st.size > 64 * 1024 * 1024) continue;
      const bytes = fs.readFileSync(p);
      searched++;
      for (const n of needles) assert.ok(!bytes.includes(n), `${p} holds key material`);
    }
    const audit = Buffer.from(JSON.stringify(api.audit.recent));
    for (const n of needles) assert.ok(!audit.includes(n), 'the audit holds key material');
    assert.ok(searched > 10, `searched ${searched} files`);
  });
});
