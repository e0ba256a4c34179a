/**
 * P7 (issue 13): speed as a user feels it, in one real VS Code (code-server + Chromium, driven with
 * playwright-core as the e2e tier does). Quick Open a log, press Enter, and wait for what the user
 * waits for: the built-in text editor showing the file's first lines, or the viewer's first decrypted
 * row (`.row[data-status="ok"]` in the webview). The text editor and the viewer open the same file
 * (two hard links: `text/` is associated with the text editor, `viewer/` with ours), alternating, in
 * one window; the 1M-entry log's first screen is compared with the 10 MB one's in the same run.
 *
 * Cold = the first open of each in the window (for the viewer: activation, key loading, the first
 * webview); warm = the median of the later rounds (each a fresh editor and LogDocument).
 *
 * Baseline: the floor of any webview-based editor. A tiny fixture extension (bench/fixtures/blank-webview,
 * installed into the same code-server's extensions folder) contributes a read-only custom editor for
 * `*.blank.log` whose webview is a static `<p>ready</p>` with the viewer's CSP shape. It is timed the
 * same way (Enter -> `#ready` visible) in a second, fresh browser window (new profile) after the
 * viewer's rounds, so that its cold open is that window's first webview as the viewer's is in the first.
 */
import { copyFileSync, cpSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { webviewShell } from '../src/shared/webview-shell';
import { envelopeLog, type EnvelopeInput } from './inputs';
import { atMost, figure, log, median, round, type Figure } from './lib';

interface CodeServerLib {
  startCodeServer(o: Record<string, unknown>): Promise<{ port: number; base: string; stop(): Promise<void>; logFile: string }>;
  launchBrowser(dir?: string): Promise<{ context: import('playwright-core').BrowserContext; close(): Promise<void> }>;
  payloadUrl(base: string, port: number, folder: string, ext: string, tests?: string): string;
  quickOpen(page: Page, file: string): Promise<void>;
}

const repoRoot = resolve(__dirname, '..');
// esbuild would turn import() into require(); the helper is ESM.
const importEsm = new Function('p', 'return import(p)') as (p: string) => Promise<CodeServerLib>;

type Case = 'textSmall' | 'viewerSmall' | 'text10MB' | 'viewer10MB' | 'viewer1M' | 'blankSmall';

const BLANK_FIXTURE = join(repoRoot, 'bench', 'fixtures', 'blank-webview');

function place(src: string, dst: string): void {
  try {
    linkSync(src, dst);
  } catch {
    copyFileSync(src, dst);
  }
}

async function closeAll(page: Page): Promise<void> {
  const tabs = page.locator('.editor-group-container .tabs-container .tab');
  for (let attempt = 0; attempt < 3 && (await tabs.count()) > 0; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill('>View: Close All Editors');
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Close All Editors' }).waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.waitForFunction("document.querySelectorAll('.editor-group-container .tabs-container .tab').length === 0", undefined, { timeout: 10_000 }).catch(() => undefined);
  }
  if ((await tabs.count()) > 0) throw new Error('could not close the editors');
}

/** Quick Open `name` (unique in the workspace); the clock starts at Enter and stops when `shown` resolves. */
async function timeOpen(page: Page, name: string, shown: () => Promise<unknown>, marks: Record<string, () => Promise<unknown>> = {}, seen: Record<string, number[]> = {}): Promise<number> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(name);
  // Enter opens the focused row: wait until it is this file (recently opened files are listed first)
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).waitFor({ timeout: 30_000 });
  const t0 = Date.now();
  await page.keyboard.press('Enter');
  // intermediate steps, timed from the same Enter (a step that never comes is left out)
  const pending = Object.entries(marks).map(([k, when]) => when().then(() => (seen[k] ??= []).push(Date.now() - t0), () => undefined));
  await shown();
  const ms = Date.now() - t0;
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 2000))]);
  return ms;
}

export async function runP7(big: EnvelopeInput, small: EnvelopeInput, rounds: number, dataDir: string): Promise<Figure> {
  // a log as small as a demo's, where the text editor is quick and the webview's own start shows most
  const tiny = await envelopeLog(dataDir, 'envelope-100.log', 100);
  const lib = await importEsm(join(repoRoot, 'scripts', 'lib', 'code-server.mjs'));
  const ext = resolve(process.env.ENCLOG_BENCH_EXT ?? repoRoot);
  const tmp = mkdtempSync(join(tmpdir(), 'enclog-bench-ui-'));
  const ws = join(tmp, 'workspace');
  for (const d of ['text', 'viewer']) mkdirSync(join(ws, d), { recursive: true });
  // distinct names (Quick Open must offer exactly one), the same inode where the file system allows
  const textName = 'as-text-10mb.encrypted.log';
  const smallName = 'in-viewer-10mb.encrypted.log';
  const bigName = 'in-viewer-1m.encrypted.log';
  place(small.path, join(ws, 'text', textName));
  place(small.path, join(ws, 'viewer', smallName));
  place(big.path, join(ws, 'viewer', bigName));
  const tinyText = 'as-text-100.encrypted.log';
  const tinyName = 'in-viewer-100.encrypted.log';
  place(tiny.path, join(ws, 'text', tinyText));
  place(tiny.path, join(ws, 'viewer', tinyName));
  writeFileSync(join(ws, 'warmup.txt'), 'warm-up\n');
  mkdirSync(join(ws, 'blank'));
  const blankName = 'blank-100.blank.log';
  place(tiny.path, join(ws, 'blank', blankName));
  installFixture(BLANK_FIXTURE, join(tmp, 'cs', 'extensions'));
  const server = await lib.startCodeServer({
    folder: ws,
    tmp: join(tmp, 'cs'),
    env: { ENCLOG_BENCH_KEK: process.env.ENCLOG_BENCH_KEK, ENCLOG_STATE_DIR: join(tmp, 'state') },
    userSettings: {
      'encryptedLogs.keySources': ['env:ENCLOG_BENCH_KEK'],
      'workbench.editorAssociations': { '**/text/*.encrypted.log': 'default' },
      'workbench.editor.enablePreview': false,
      // code-server's text editor asks before opening a file over 10 MB (in the web build); the 10 MB log would hit it
      'workbench.editorLargeFileConfirmation': 1024,
    },
  });
  const times: Record<Case, number[]> = { textSmall: [], viewerSmall: [], text10MB: [], viewer10MB: [], viewer1M: [], blankSmall: [] };
  let workbenchMs = 0;
  const steps: Partial<Record<Case, Record<string, number[]>>> = {};
  /** A fresh browser profile showing the workbench, Quick Open warmed with an unrelated file. */
  const openWindow = async (profile: string): Promise<{ page: Page; close(): Promise<void>; workbenchMs: number }> => {
    const browser = await lib.launchBrowser(join(tmp, profile));
    const page = await browser.context.newPage();
    const t0 = Date.now();
    await page.goto(lib.payloadUrl(server.base, server.port, ws, ext));
    await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
    await page.waitForSelector('.activitybar [aria-label*="Encrypted Logs"]', { timeout: 120_000 });
    const ms = Date.now() - t0;
    // Quick Open answers some seconds after the workbench appears: warm it with an unrelated file.
    await lib.quickOpen(page, 'warmup.txt');
    await page.locator('.monaco-editor .view-line', { hasText: 'warm-up' }).first().waitFor({ timeout: 60_000 });
    await closeAll(page);
    return { page, close: () => browser.close(), workbenchMs: ms };
  };
  const webviewOf = (page: Page) => page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
  let win = await openWindow('chromium');
  const page = win.page;
  try {
    workbenchMs = win.workbenchMs;
    const webview = () => webviewOf(page);
    const textShown = () => page.locator('.editor-group-container .monaco-editor .view-line', { hasText: '"id"' }).first().waitFor({ timeout: 120_000 });
    const rowShown = () => webview().locator('.row[data-status="ok"]').first().waitFor({ timeout: 300_000 });
    // where the viewer's time goes: the webview frame shown, its script running (init received), any row (pending or not)
    const viewerMarks = {
      frame: () => page.locator('iframe.webview.ready >> visible=true').first().waitFor({ timeout: 300_000 }),
      init: () => webview().locator('body[data-ready="1"]').waitFor({ timeout: 300_000 }),
      anyRow: () => webview().locator('.row').first().waitFor({ timeout: 300_000 }),
    };
    const open: Record<Exclude<Case, 'blankSmall'>, () => Promise<number>> = {
      textSmall: () => timeOpen(page, tinyText, textShown),
      viewerSmall: () => timeOpen(page, tinyName, rowShown, viewerMarks, (steps.viewerSmall ??= {})),
      text10MB: () => timeOpen(page, textName, textShown),
      viewer10MB: () => timeOpen(page, smallName, rowShown, viewerMarks, (steps.viewer10MB ??= {})),
      viewer1M: () => timeOpen(page, bigName, rowShown, viewerMarks, (steps.viewer1M ??= {})),
    };
    for (let r = 0; r < rounds; r++) {
      // alternate the order so neither side always runs right after the other
      const order: Exclude<Case, 'blankSmall'>[] = r % 2 ? ['viewerSmall', 'textSmall', 'viewer10MB', 'text10MB', 'viewer1M'] : ['textSmall', 'viewerSmall', 'text10MB', 'viewer10MB', 'viewer1M'];
      for (const c of order) {
        const ms = await open[c]();
        times[c].push(ms);
        log(`P7 round ${r + 1}: ${c} ${ms} ms`);
        await closeAll(page);
      }
    }
    // the baseline in a second window, so that its first open is that window's first webview
    await win.close();
    win = await openWindow('chromium-blank');
    const blankPage = win.page;
    const blankShown = () => webviewOf(blankPage).locator('#ready').waitFor({ timeout: 120_000 });
    const blankMarks = { frame: () => blankPage.locator('iframe.webview.ready >> visible=true').first().waitFor({ timeout: 120_000 }) };
    for (let r = 0; r < rounds; r++) {
      const ms = await timeOpen(blankPage, blankName, blankShown, blankMarks, (steps.blankSmall ??= {}));
      times.blankSmall.push(ms);
      log(`P7 round ${r + 1}: blankSmall ${ms} ms`);
      await closeAll(blankPage);
    }
  } catch (e) {
    const shot = join(repoRoot, 'test-results', 'bench-p7-failure.png');
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    await win.page.screenshot({ path: shot }).catch(() => undefined);
    log(`P7 failed; screenshot ${shot}`);
    throw e;
  } finally {
    await win.close();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  const cold = (c: Case) => times[c][0]!;
  const warm = (c: Case) => median(times[c].slice(1));
  const checks = [
    atMost('viewer_over_text_small_cold', cold('viewerSmall') / cold('textSmall'), 1.5),
    atMost('viewer_over_text_10MB_cold', cold('viewer10MB') / cold('text10MB'), 1.5),
    atMost('first_screen_1M_minus_10MB_ms', warm('viewer1M') - warm('viewer10MB'), 1000),
  ];
  if (rounds > 1) {
    checks.push(atMost('viewer_over_text_small_warm', warm('viewerSmall') / warm('textSmall'), 1.5));
    checks.push(atMost('viewer_over_text_10MB_warm', warm('viewer10MB') / warm('text10MB'), 1.5));
  }
  return figure('P7', 'open to first decrypted row in the viewer vs the text editor showing the same file (code-server + Chromium)', checks, {
    extension: ext,
    workbench_ms: workbenchMs,
    rounds,
    ms: times,
    viewer_steps_ms: steps,
    cold_ms: Object.fromEntries((Object.keys(times) as Case[]).map((c) => [c, cold(c)])),
    warm_median_ms: rounds > 1 ? Object.fromEntries((Object.keys(times) as Case[]).map((c) => [c, warm(c)])) : null,
    bytes: { tiny: tiny.bytes, small: small.bytes, big: big.bytes },
    entries: { tiny: tiny.entries, small: small.entries, big: big.entries },
    ratio_1M_over_10MB_warm: rounds > 1 ? round(warm('viewer1M') / warm('viewer10MB')) : null,
    // the platform's floor: what a blank webview-based editor takes, and how the viewer and the text editor compare to it
    baseline_100: {
      viewer_over_blank_cold: round(cold('viewerSmall') / cold('blankSmall')),
      blank_over_text_cold: round(cold('blankSmall') / cold('textSmall')),
      viewer_over_blank_warm: rounds > 1 ? round(warm('viewerSmall') / warm('blankSmall')) : null,
      blank_over_text_warm: rounds > 1 ? round(warm('blankSmall') / warm('textSmall')) : null,
    },
  });
}

/**
 * Installs the blank-webview fixture into a code-server extensions folder (the folder VS Code scans at
 * start), with its page made by the viewer's own HTML shell (placeholders filled in per webview).
 */
function installFixture(dir: string, extensionsDir: string): void {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const id = `${pkg.publisher}.${pkg.name}`;
  const folder = `${id}-${pkg.version}`;
  mkdirSync(extensionsDir, { recursive: true });
  cpSync(dir, join(extensionsDir, folder), { recursive: true });
  const page = webviewShell({ cspSource: '{{cspSource}}', nonce: '{{nonce}}', title: 'Blank', style: 'body { font-family: var(--vscode-font-family); }', body: '<p id="ready">ready</p>' });
  writeFileSync(join(extensionsDir, folder, 'page.html'), page);
  // VS Code reads this list of installed extensions; one not in it is not loaded
  const entry = { identifier: { id }, version: pkg.version, location: { $mid: 1, path: join(extensionsDir, folder), scheme: 'file' }, relativeLocation: folder, metadata: { installedTimestamp: Date.now(), source: 'vsix' } };
  writeFileSync(join(extensionsDir, 'extensions.json'), JSON.stringify([entry]));
}
