/**
 * Performance figures inside the real extension host (opt-in: ENCLOG_HOST_PERF=100000,1000000,
 * which also makes the runner write logs/large-<N>.encrypted.log). Prints first-screen time (open
 * -> first decrypted rows posted by the viewer, pulled by the real webview) and the extension
 * host's memory with the log open.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension/main';

const sizes = (process.env.ENCLOG_HOST_PERF ?? '').split(',').map(Number).filter((n) => n > 0);

(sizes.length ? describe : describe.skip)('performance (ENCLOG_HOST_PERF)', function () {
  this.timeout(900_000);
  for (const n of sizes) {
    it(`first screen and memory with a ${n.toLocaleString('en')}-entry envelope log`, async () => {
      const api = await vscode.extensions.getExtension<ExtensionApi>('enclog.encrypted-log-inspector')!.activate();
      const dir = process.env.ENCLOG_TEST_WORKSPACE!;
      const file = path.join(dir, 'logs', `large-${n}.encrypted.log`);
      const bytes = fs.statSync(file).size;
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      global.gc?.();
      const before = process.memoryUsage();
      const t0 = Date.now();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'encryptedLogs.viewer');
      let panel = api.viewer.panelFor(vscode.Uri.file(file));
      let trace = panel && api.test?.webview(panel.panel);
      while (!panel || !trace?.firstDecryptedRowsAt) {
        if (Date.now() - t0 > 600_000) throw new Error('no decrypted rows after 600 s');
        await new Promise((r) => setTimeout(r, 20));
        panel = api.viewer.panelFor(vscode.Uri.file(file));
        trace = panel && api.test?.webview(panel.panel);
      }
      const firstScreen = trace.firstDecryptedRowsAt - t0;
      const panelToRows = trace.firstDecryptedRowsAt - trace.createdAt;
      // the viewer opens progressively: the first screen comes before the whole file is indexed
      const tIndex = Date.now();
      while (panel.doc.entryCount < n && Date.now() - tIndex < 120_000) await new Promise((r) => setTimeout(r, 20));
      assert.strictEqual(panel.doc.entryCount, n);
      const indexedAfterRowsMs = Date.now() - tIndex;
      // let the background histogram scan finish, then measure
      const t1 = Date.now();
      while (!panel.doc.view?.columns && Date.now() - t1 < 600_000) await new Promise((r) => setTimeout(r, 200));
      const histogramMs = Date.now() - t1;
      global.gc?.();
      const after = process.memoryUsage();
      const mb = (x: number): string => (x / 1048576).toFixed(1);
      const line =
        `PERF entries=${n} file=${mb(bytes)}MB firstScreenMs=${firstScreen} (webview created -> rows ${panelToRows} ms) ` +
          `fullyIndexedAfterRowsMs=${indexedAfterRowsMs} histogramScanMs=${histogramMs} rssMB=${mb(after.rss)} (+${mb(after.rss - before.rss)}) heapUsedMB=${mb(after.heapUsed)} (+${mb(after.heapUsed - before.heapUsed)}) externalMB=${mb(after.external)}`;
      console.log(line);
      if (process.env.ENCLOG_HOST_TEST_REPORT) fs.appendFileSync(process.env.ENCLOG_HOST_TEST_REPORT, `      ${line}\n`);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });
  }
});
