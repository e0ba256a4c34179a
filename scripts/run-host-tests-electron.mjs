#!/usr/bin/env node
// The same host-test suite (test/host) through @vscode/test-electron, for machines with a desktop
// VS Code (or where its download host is reachable):
//   npm run test:electron                            downloads VS Code stable (needs network)
//   VSCODE_EXECUTABLE=/usr/bin/code npm run test:electron   uses an installed VS Code
// On the project's build machines neither is possible; there `npm run test:host` runs the suite in
// code-server's real extension host instead.
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './lib/code-server.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'enclog-electron-'));
const folder = join(tmp, 'workspace');
execFileSync(process.execPath, [join(repoRoot, 'out', 'test', 'host', 'prepare-workspace.js'), folder], { stdio: 'inherit' });
const report = join(tmp, 'report.txt');
writeFileSync(report, '');
let code = 1;
try {
  code = await runTests({
    ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : {}),
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(repoRoot, 'out', 'test', 'host', 'index.js'),
    launchArgs: [folder, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(tmp, 'user-data')],
    extensionTestsEnv: { ENCLOG_HOST_TEST_REPORT: report, ENCLOG_TEST_WORKSPACE: folder, ENCLOG_TEST_MODE: '1' },
  });
} catch (e) {
  console.error(`test-electron failed: ${e.message ?? e}`);
}
process.stdout.write(readFileSync(report, 'utf8'));
process.exit(code);
