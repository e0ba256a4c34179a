#!/usr/bin/env node
// Browser e2e tier: Playwright (playwright-core) + Debian Chromium against code-server.
//   npm run test:e2e        (builds first; installs Node 24 + code-server into the cache if missing)
// Screenshots and timings land in test-results/. The tests live in test/e2e/*.e2e.test.ts and run inside
// scripts/with-keyring.sh (a throwaway gnome-keyring on a private D-Bus session).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCodeServer, repoRoot, log } from './lib/code-server.mjs';

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const deps = join(repoRoot, 'scripts', 'ensure-system-deps.sh');
  if (existsSync(deps)) spawnSync('bash', [deps], { stdio: 'inherit' });
  if (!existsSync(chromium)) {
    console.error(`Chromium not found at ${chromium} (apt-get install chromium)`);
    process.exit(2);
  }
}
ensureCodeServer();
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
const t0 = Date.now();
// A private, unlocked gnome-keyring for the whole tier: the VSIX test reads a key from the keychain.
const r = spawnSync(
  'bash',
  [join(repoRoot, 'scripts', 'with-keyring.sh'), process.execPath, join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--timeout', '600000', '--reporter', 'spec', 'out/test/e2e/**/*.e2e.test.js', ...process.argv.slice(2)],
  { cwd: repoRoot, stdio: 'inherit' },
);
log(`e2e finished with ${r.status} in ${Math.round((Date.now() - t0) / 1000)} s`);
process.exit(r.status ?? 1);
