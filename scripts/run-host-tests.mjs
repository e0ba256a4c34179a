#!/usr/bin/env node
// Runs the mocha suite in test/host inside a REAL VS Code extension host: code-server 4.139.1
// (VS Code 1.139.1) driven by headless Debian Chromium through playwright-core, with the
// smoke-test-driver payload (extensionDevelopmentPath = this repo, extensionTestsPath =
// out/test/host/index.js). Exit code = the suite's (via window.codeAutomationExit).
//
//   npm run test:host                      (builds first)
//   node scripts/run-host-tests.mjs [--grep PATTERN] [--keep]
//
// The extension host inherits code-server's environment, so the suite writes its report to
// $ENCLOG_HOST_TEST_REPORT, which this runner streams to stdout.
import { mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startCodeServer, launchBrowser, payloadUrl, repoRoot, log } from './lib/code-server.mjs';

const argv = process.argv.slice(2);
const grep = argv.includes('--grep') ? argv[argv.indexOf('--grep') + 1] : process.env.ENCLOG_HOST_GREP || '';
const keep = argv.includes('--keep');
const TOTAL_TIMEOUT = Number(process.env.ENCLOG_HOST_TIMEOUT_MS || 15 * 60_000);
const ACTIVATION_TIMEOUT = 180_000; // no report line at all within this = cold-start flake -> one retry

const testsPath = join(repoRoot, 'out', 'test', 'host', 'index.js');
if (!existsSync(testsPath)) {
  console.error(`missing ${testsPath}: run npm run build first`);
  process.exit(2);
}
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });

async function attempt(n) {
  const tmp = mkdtempSync(join(tmpdir(), 'enclog-host-'));
  const folder = join(tmp, 'workspace');
  execFileSync(process.execPath, [join(repoRoot, 'out', 'test', 'host', 'prepare-workspace.js'), folder], { stdio: 'inherit' });
  const report = join(tmp, 'report.txt');
  writeFileSync(report, '');
  const cs = await startCodeServer({
    folder,
    tmp: join(tmp, 'cs'),
    keepTmp: keep,
    env: {
      ENCLOG_HOST_TEST_REPORT: report,
      ENCLOG_HOST_GREP: grep,
      ENCLOG_TEST_WORKSPACE: folder,
      ENCLOG_TEST_MODE: '1',
    },
  });
  const browser = await launchBrowser(join(tmp, 'chromium'));
  const page = await browser.context.newPage();
  let resolveExit;
  const exitCode = new Promise((r) => { resolveExit = r; });
  await page.exposeFunction('codeAutomationExit', (code) => { resolveExit(Number(code)); });
  const consoleLines = [];
  page.on('console', (m) => {
    const t = m.text();
    if (consoleLines.length < 2000) consoleLines.push(`[${m.type()}] ${t}`);
  });
  const t0 = Date.now();
  await page.goto(payloadUrl(cs.base, cs.port, folder, repoRoot, testsPath));
  page.waitForSelector('.monaco-workbench', { timeout: 120_000 })
    .then(() => log(`workbench visible after ${Date.now() - t0} ms`))
    .catch(() => log('workbench did not appear within 120 s'));

  // Stream the report while waiting.
  let printed = 0;
  let sawOutput = false;
  const pump = () => {
    let text = '';
    try { text = readFileSync(report, 'utf8'); } catch { return; }
    if (text.length > printed) {
      process.stdout.write(text.slice(printed));
      printed = text.length;
      sawOutput = true;
    }
  };
  const timer = setInterval(pump, 250);
  let code;
  let reason = '';
  const deadline = new Promise((r) => setTimeout(() => r('timeout'), TOTAL_TIMEOUT));
  const noStart = new Promise((r) => {
    const check = setInterval(() => {
      if (sawOutput) clearInterval(check);
      else if (Date.now() - t0 > ACTIVATION_TIMEOUT) { clearInterval(check); r('no-start'); }
    }, 1000);
  });
  const res = await Promise.race([exitCode, deadline, noStart]);
  clearInterval(timer);
  pump();
  if (typeof res === 'number') code = res;
  else { code = 1; reason = res; }
  log(`attempt ${n}: exit ${code}${reason ? ` (${reason})` : ''} after ${Math.round((Date.now() - t0) / 1000)} s`);
  if (code !== 0) {
    const shot = join(repoRoot, 'test-results', `host-attempt${n}.png`);
    try { await page.screenshot({ path: shot }); log(`screenshot: ${shot}`); } catch { /* ignore */ }
    writeFileSync(join(repoRoot, 'test-results', `host-attempt${n}-console.txt`), consoleLines.join('\n'));
    try {
      const csLog = readFileSync(cs.logFile, 'utf8');
      writeFileSync(join(repoRoot, 'test-results', `host-attempt${n}-code-server.log`), csLog);
    } catch { /* ignore */ }
  }
  await browser.close();
  await cs.stop();
  if (keep) log(`kept ${tmp}`);
  return { code, reason };
}

let result = await attempt(1);
if (result.reason === 'no-start') {
  // Documented cold-start flake: the extension host sometimes never starts the tests on a cold
  // first run. Only this case (no report output at all) is retried; test failures never are.
  log('the suite never started (cold-start flake); retrying once');
  result = await attempt(2);
}
process.exit(result.code);
