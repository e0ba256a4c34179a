#!/usr/bin/env node
// npm run demo: package the VSIX for this platform (scripts/lib/vsix.mjs), create a demo workspace (Symbiont + envelope logs with
// rotated keys and some failures, keys in 0600 key files configured as file: key sources) and open
// it in VS Code - desktop `code` when on PATH, otherwise a local code-server on 127.0.0.1
// (installed into ${ENCLOG_CACHE:-~/.cache/enclog} the first time) whose URL is printed.
//
//   npm run demo                       open and keep serving until Ctrl+C
//   npm run demo -- --check            (code-server only) open the envelope log in headless
//                                      Chromium, wait for decrypted rows, screenshot
//                                      test-results/demo.png, then stop
//   npm run demo -- --code-server      use code-server even when `code` is on PATH
//   ENCLOG_DEMO_DIR=dir  ENCLOG_DEMO_PORT=8080
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startCodeServer, launchBrowser, repoRoot, log, freePort, quickOpen, viewerFrame } from './lib/code-server.mjs';
import { packageVsix } from './lib/vsix.mjs';

const args = process.argv.slice(2);
const check = args.includes('--check');
const forceCodeServer = args.includes('--code-server') || check;
const cache = process.env.ENCLOG_CACHE || join(homedir(), '.cache', 'enclog');
const demoDir = process.env.ENCLOG_DEMO_DIR || join(cache, 'demo-workspace');
const t0 = Date.now();

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: repoRoot, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`${cmd} ${argv.join(' ')} failed (${r.status})`);
    process.exit(r.status || 1);
  }
}

// 1. the VSIX for this platform (vsce runs the production build; the development build is restored after)
log('packaging the VSIX with vsce');
let vsix;
try {
  const packed = packageVsix();
  vsix = packed.vsix;
  log(`${vsix}: ${packed.files.length} files, ${(packed.bytes / 1024 / 1024).toFixed(2)} MB`);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}

// 2. demo workspace (fresh each time: new random keys, logs encrypted with them)
log(`creating the demo workspace in ${demoDir}`);
rmSync(demoDir, { recursive: true, force: true });
mkdirSync(demoDir, { recursive: true });
run(process.execPath, [join(repoRoot, 'out', 'test', 'host', 'prepare-workspace.js'), demoDir, '--symbiont', '16', '--envelope', '2000']);

// 3. open it
const hasCode = !forceCodeServer && spawnSync('sh', ['-c', 'command -v code'], { stdio: 'ignore' }).status === 0;
if (hasCode) {
  log('desktop VS Code found: installing the VSIX and opening the workspace');
  run('code', ['--install-extension', vsix, '--force']);
  run('code', [demoDir, join(demoDir, 'logs', 'envelope.encrypted.log')]);
  console.log(`\nOpened ${demoDir} in VS Code (${Math.round((Date.now() - t0) / 1000)} s).`);
  process.exit(0);
}

const port = Number(process.env.ENCLOG_DEMO_PORT) || (await freePort());
const server = await startCodeServer({
  folder: demoDir,
  installVsix: vsix,
  port,
  tmp: join(cache, 'demo-code-server'),
  keepTmp: true,
});
const url = `${server.base}/?folder=${encodeURIComponent(demoDir)}`;
console.log(`\nEncrypted Log Inspector demo is running in code-server (VS Code 1.139.1):\n\n    ${url}\n`);
console.log(`Open logs/envelope.encrypted.log or logs/model_io.encrypted.log; keys: ${join(demoDir, 'keys')} (0600).`);
console.log(`Ready in ${Math.round((Date.now() - t0) / 1000)} s. Ctrl+C stops the server.`);

if (check) {
  let code = 1;
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const t1 = Date.now();
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    log(`workbench after ${Date.now() - t1} ms`);
    const t2 = Date.now();
    await quickOpen(page, 'envelope.encrypted.log');
    const wv = viewerFrame(page);
    await wv.locator('.row[data-status="ok"]').first().waitFor({ timeout: 120_000 });
    log(`decrypted rows visible ${Date.now() - t2} ms after opening the log`);
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-results', 'demo.png') });
    code = 0;
  } catch (e) {
    console.error(`demo check failed: ${e.message}`);
    try {
      const pages = browser.context.pages();
      if (pages[0]) await pages[0].screenshot({ path: join(repoRoot, 'test-results', 'demo-FAILED.png') });
    } catch { /* ignore */ }
  }
  await browser.close();
  await server.stop();
  process.exit(code);
}

const shutdown = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
setInterval(() => undefined, 1 << 30);
