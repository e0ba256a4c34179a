/**
 * Browser e2e in Restricted Mode: code-server with workspace trust ON and the fixture workspace
 * untrusted (its .vscode/settings.json names four key files as key sources). The extension must use
 * none of them: the viewer opens, says no key source is configured, and nothing decrypts. (The host
 * tier cannot run untrusted: VS Code trusts every workspace that runs extension tests.)
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { prepareWorkspace, type FixtureWorkspace } from '../host/workspace';
import { loadCodeServerLib, quickOpen, repoRoot, results, visibleWebview, type CodeServerLib } from './harness';

describe('e2e: Restricted Mode uses no workspace-defined key source', function () {
  this.timeout(600_000);
  let lib: CodeServerLib;
  let fx: FixtureWorkspace;
  let server: Awaited<ReturnType<CodeServerLib['startCodeServer']>> | undefined;
  let browser: Awaited<ReturnType<CodeServerLib['launchBrowser']>> | undefined;
  let page: Page;

  before(async () => {
    lib = await loadCodeServerLib();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'enclog-e2e-restricted-'));
    fx = await prepareWorkspace(path.join(tmp, 'workspace'), { symbiontEntries: 4, envelopeEntries: 12 });
    server = await lib.startCodeServer({
      folder: fx.dir,
      tmp: path.join(tmp, 'cs'),
      workspaceTrust: true,
      userSettings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.untrustedFiles': 'open' },
      env: { ENCLOG_TEST_MODE: '1' },
    });
    browser = await lib.launchBrowser(path.join(tmp, 'chromium'));
    page = await browser.context.newPage();
    await page.goto(lib.payloadUrl(server.base, server.port, fx.dir, repoRoot));
    await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
  });

  after(async () => {
    if (page) {
      fs.mkdirSync(results, { recursive: true });
      await page.screenshot({ path: path.join(results, 'e2e-restricted-mode.png') }).catch(() => undefined);
    }
    await browser?.close();
    await server?.stop();
  });

  it('the window is in Restricted Mode; the envelope log opens with no key source and nothing decrypts', async () => {
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 60_000 });
    await quickOpen(page, 'envelope.encrypted.log');
    const webview = visibleWebview(page);
    await webview.locator('#add-key-source').waitFor({ timeout: 90_000 });
    assert.match(await webview.locator('body').innerText(), /No key source is configured/);
    assert.match(await webview.locator('#restricted-note').innerText(), /Restricted Mode: key sources defined by this workspace are not used/);
    await webview.locator('.row').first().waitFor({ timeout: 60_000 });
    assert.strictEqual(await webview.locator('.row[data-status="ok"]').count(), 0, 'no entry decrypted with the workspace-defined keys');
    assert.ok((await webview.locator('.row[data-status="error"]').count()) > 0);
  });
});
