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
  let tmp: string;
  let starts = 0;

  /** code-server with workspace trust on (the fixture folder opens untrusted) and these user settings. */
  async function start(userSettings: Record<string, unknown> = {}): Promise<void> {
    await browser?.close();
    await server?.stop();
    starts++;
    server = await lib.startCodeServer({
      folder: fx.dir,
      tmp: path.join(tmp, `cs${starts}`),
      workspaceTrust: true,
      userSettings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.untrustedFiles': 'open', ...userSettings },
      env: { ENCLOG_TEST_MODE: '1' },
    });
    browser = await lib.launchBrowser(path.join(tmp, `chromium${starts}`));
    page = await browser.context.newPage();
    await page.goto(lib.payloadUrl(server.base, server.port, fx.dir, repoRoot));
    await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
  }

  before(async () => {
    lib = await loadCodeServerLib();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'enclog-e2e-restricted-'));
    fx = await prepareWorkspace(path.join(tmp, 'workspace'), { symbiontEntries: 4, envelopeEntries: 12 });
    await start();
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
    // rows may show as pending first: wait until they have a status of their own
    await webview.locator('.row[data-status="error"]').first().waitFor({ timeout: 60_000 });
    assert.strictEqual(await webview.locator('.row[data-status="ok"]').count(), 0, 'no entry decrypted with the workspace-defined keys');
  });

  it("the workspace's keyLineages cannot pin the primary: with the user's key sources the newest version is primary", async () => {
    const keks = fx.keyRefs.filter((r) => /kek-v\d\.key$/.test(r)).sort();
    assert.strictEqual(keks.length, 2, fx.keyRefs.join(', '));
    // the hostile workspace pins the old version under a lineage of its own
    const wsSettings = path.join(fx.dir, '.vscode', 'settings.json');
    const ws = JSON.parse(fs.readFileSync(wsSettings, 'utf8')) as Record<string, unknown>;
    ws['encryptedLogs.keyLineages'] = [{ name: 'pinned-by-workspace', versions: keks, primary: keks[0] }];
    fs.writeFileSync(wsSettings, JSON.stringify(ws, null, 2));
    // the user names the same key files in their own settings (the user's word: used in Restricted Mode)
    await start({ 'encryptedLogs.keySources': keks });
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 60_000 });

    await page.locator('.activitybar [aria-label*="Encrypted Logs"]').first().click();
    const tree = page.locator('.pane', { hasText: 'Key Versions' });
    const lineageRow = tree.locator('.monaco-list-row', { hasText: /versions? ·/ }).first();
    await lineageRow.waitFor({ timeout: 90_000 });
    const rows = await tree.locator('.monaco-list-row').allInnerTexts();
    assert.ok(!rows.some((t) => t.includes('pinned-by-workspace')), `the workspace lineage is not used: ${rows.join(' | ')}`);
    const kek = rows.find((t) => /^kek(?!-v)/.test(t.trim()));
    assert.ok(kek, `the kek lineage (joined by key id): ${rows.join(' | ')}`);
    assert.match(kek, /primary v2/, 'the newest version is primary, not the pinned one');
    fs.mkdirSync(results, { recursive: true });
    await page.screenshot({ path: path.join(results, 'e2e-restricted-lineages.png') }).catch(() => undefined);
  });
});
