/**
 * The packaged extension, as a user installs it: the linux-x64 VSIX (bundled, minified, only the
 * native Argon2 binding under node_modules, no keytar) installed into code-server with
 * --install-extension, opening a Symbiont log whose key is Symbiont's own Rust-keyring item, named
 * `keychain:symbiont/secrets` in the user settings. Runs under scripts/with-keyring.sh (run-e2e.mjs).
 */
import * as assert from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { prepareWorkspace } from '../host/workspace';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const importEsm = new Function('p', 'return import(p)') as <T>(p: string) => Promise<T>;

interface CodeServerLib {
  startCodeServer(o: Record<string, unknown>): Promise<{ base: string; stop(): Promise<void>; logFile: string; tmp: string }>;
  launchBrowser(dir?: string): Promise<{ context: BrowserContext; close(): Promise<void> }>;
  quickOpen(page: Page, file: string): Promise<void>;
  viewerFrame(page: Page): FrameLocator;
  log(...a: unknown[]): void;
}
interface VsixLib {
  packageVsix(o: { target: string; out: string }): { vsix: string; files: string[]; bytes: number };
}

describe('e2e: the linux-x64 VSIX installed into code-server reads Symbiont\'s key from the keychain', function () {
  this.timeout(600_000);
  let lib: CodeServerLib;
  let tmp: string;
  let server: Awaited<ReturnType<CodeServerLib['startCodeServer']>> | undefined;
  let browser: Awaited<ReturnType<CodeServerLib['launchBrowser']>> | undefined;
  let packed: ReturnType<VsixLib['packageVsix']>;

  before(async function () {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('run the e2e tier through scripts/run-e2e.mjs (it starts a private keyring)');
    lib = await importEsm<CodeServerLib>(path.join(repoRoot, 'scripts', 'lib', 'code-server.mjs'));
    const vsixLib = await importEsm<VsixLib>(path.join(repoRoot, 'scripts', 'lib', 'vsix.mjs'));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'enclog-vsix-e2e-'));
    packed = vsixLib.packageVsix({ target: 'linux-x64', out: path.join(tmp, 'enclog-linux-x64.vsix') });
    lib.log(`VSIX: ${packed.files.length} files, ${(packed.bytes / 1024 / 1024).toFixed(2)} MB`);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is a bundled package: < 300 files, < 5 MB, no JS dependency and no keytar under node_modules', () => {
    assert.ok(packed.files.length < 300, `${packed.files.length} files`);
    assert.ok(packed.bytes < 5 * 1024 * 1024, `${packed.bytes} bytes`);
    const modules = [...new Set(packed.files.filter((f) => f.startsWith('extension/node_modules/')).map((f) => f.split('/').slice(2, 4).join('/')))].sort();
    assert.deepEqual(modules, ['@node-rs/argon2', '@node-rs/argon2-linux-x64-gnu']);
    for (const f of ['extension/out/extension.js', 'extension/out/cli.js', 'extension/out/vendor-node-vault.js', 'extension/out/vendor-dbus-next.js', 'extension/out/argon2-worker.js', 'extension/out/envelope-worker.js', 'extension/out/native/gcm_batch.node', 'extension/LICENSE.txt']) assert.ok(packed.files.includes(f), f);
    assert.ok(!packed.files.some((f) => f.endsWith('.map') || f.includes('/src/') || f.includes('/test/')), 'no source maps, sources or tests');
  });

  it('opens a Symbiont log with the key stored as a Rust-keyring item (keychain:symbiont/secrets in the user settings)', async () => {
    const ws = await prepareWorkspace(path.join(tmp, 'workspace'), { symbiontEntries: 6, envelopeEntries: 4 });
    // The workspace names no key: only the user's keychain ref may open the log.
    fs.writeFileSync(path.join(ws.dir, '.vscode', 'settings.json'), '{}');
    const key = fs.readFileSync(path.join(ws.dir, 'keys', 'symbiont-2025.key'), 'utf8').trim();
    execFileSync('secret-tool', ['store', '--label', 'symbiont', 'service', 'symbiont', 'username', 'secrets', 'target', 'default', 'application', 'rust-keyring'], { input: key });
    server = await lib.startCodeServer({
      folder: ws.dir,
      installVsix: packed.vsix,
      tmp: path.join(tmp, 'cs'),
      userSettings: { 'encryptedLogs.keySources': ['keychain:symbiont/secrets'] },
    });
    const installed = fs.readdirSync(path.join(tmp, 'cs', 'extensions')).filter((d) => d.startsWith('enclog.encrypted-log-inspector'));
    assert.equal(installed.length, 1, `installed from the VSIX: ${installed.join(', ')}`);
    browser = await lib.launchBrowser(path.join(tmp, 'chromium'));
    const page = await browser.context.newPage();
    await page.goto(`${server.base}/?folder=${encodeURIComponent(ws.dir)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    await lib.quickOpen(page, 'model_io.encrypted.log');
    const wv = lib.viewerFrame(page);
    // Entries 3 and 5 of 6 are sealed with the 2025 key (4 with a stranger's, 0-2 with the 2024 key).
    await wv.locator('.row[data-status="ok"]').first().waitFor({ timeout: 120_000 });
    const t0 = Date.now();
    let ok = 0;
    while (Date.now() - t0 < 60_000 && (ok = await wv.locator('.row[data-status="ok"]').count()) < 2) await new Promise((r) => setTimeout(r, 500));
    fs.mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'e2e-vsix-keychain.png') });
    assert.equal(ok, 2, 'the two entries sealed with the keychain key decrypt');
    const text = await wv.locator('.row[data-status="ok"]').first().innerText();
    assert.ok(!text.includes(key), 'no key material on screen');
  });
});
