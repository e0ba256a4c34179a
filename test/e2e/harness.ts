/** What the e2e files share: the code-server helper (ESM), Quick Open, the visible webview. */
import * as path from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const results = path.join(repoRoot, 'test-results');

export interface CodeServerLib {
  startCodeServer(o: Record<string, unknown>): Promise<{ port: number; base: string; stop(): Promise<void>; logFile: string }>;
  launchBrowser(dir?: string): Promise<{ context: BrowserContext; close(): Promise<void> }>;
  payloadUrl(base: string, port: number, folder: string, ext: string, tests?: string): string;
  log(...a: unknown[]): void;
}

// esbuild turns import() into require(); the helper is ESM, so import it for real.
const importEsm = new Function('p', 'return import(p)') as (p: string) => Promise<CodeServerLib>;

export function loadCodeServerLib(): Promise<CodeServerLib> {
  return importEsm(path.join(repoRoot, 'scripts', 'lib', 'code-server.mjs'));
}

/** Only the visible editor's webview (a hidden tab may keep its iframe). */
export function visibleWebview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
}

/** Opens a file with Quick Open, which answers ~10 s after the workbench appears: retried until offered. */
export async function quickOpen(page: Page, file: string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(file);
    try {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().waitFor({ timeout: 5_000 });
      await page.keyboard.press('Enter');
      return;
    } catch {
      if (Date.now() - t0 > 60_000) throw new Error(`Quick Open never offered ${file}`);
    }
  }
}
