/**
 * Entry point of the host-test tier: loaded by VS Code as `extensionTestsPath` and run INSIDE the
 * real extension host (code-server here, desktop VS Code through @vscode/test-electron elsewhere).
 * Runs every `*.test.js` next to this file with mocha; the report goes to the console and, when
 * ENCLOG_HOST_TEST_REPORT names a file, to that file (the runner streams it). Resolves when every
 * test passed, rejects otherwise (VS Code turns that into the exit code).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const reportFile = process.env.ENCLOG_HOST_TEST_REPORT;
  let write = (s: string): void => {
    if (reportFile) {
      try {
        fs.appendFileSync(reportFile, s);
      } catch {
        /* ignore */
      }
    }
  };
  if (!reportFile) {
    // No report file (e.g. @vscode/test-electron): print to the host's stdout, which it forwards.
    write = (s: string): void => {
      process.stdout.write(s);
    };
  }
  write(`host tests starting in VS Code ${require('vscode').version}, node ${process.version}\n`);

  // The report is written by the listeners below; mocha's own reporter stays silent.
  class Silent {
    constructor(_runner: Mocha.Runner) {}
  }
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: Silent as unknown as string });
  const grep = process.env.ENCLOG_HOST_GREP;
  if (grep) mocha.grep(grep);
  const files = fs.readdirSync(__dirname).sort().filter((f) => f.endsWith('.test.js'));
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  let total = 0;
  let passes = 0;
  let pendings = 0;
  const started = Date.now();
  let failures = 0;
  try {
    failures = await new Promise<number>((resolve, reject) => {
      try {
        const runner = mocha.run((n) => resolve(n));
        total = runner.total;
        // Our own compact report (independent of where the extension host's stdout goes).
        let depth = 0;
        runner.on('suite', (s: Mocha.Suite) => {
          if (s.title) write(`${'  '.repeat(depth)}${s.title}\n`);
          if (s.title) depth++;
        });
        runner.on('suite end', (s: Mocha.Suite) => {
          if (s.title) depth--;
        });
        runner.on('pass', () => passes++);
        runner.on('pending', () => pendings++);
        runner.on('pass', (t: Mocha.Test) => write(`${'  '.repeat(depth)}ok   ${t.title} (${t.duration ?? 0} ms)\n`));
        runner.on('pending', (t: Mocha.Test) => write(`${'  '.repeat(depth)}skip ${t.title}\n`));
        runner.on('fail', (t: Mocha.Test | Mocha.Hook, err: Error) =>
          write(`${'  '.repeat(depth)}FAIL ${t.fullTitle()}\n${(err.stack ?? String(err)).replace(/^/gm, '      ')}\n`),
        );
      } catch (e) {
        reject(e);
      }
    });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    // mocha-style totals (scripts/test-all.sh adds them up)
    write(`\n  ${passes} passing (${secs}s)\n${failures ? `  ${failures} failing\n` : ''}${pendings ? `  ${pendings} pending\n` : ''}`);
    write(`\nHOST TESTS DONE: ${failures === 0 ? 'PASS' : `FAIL (${failures} failing)`} in ${secs} s\n`);
  } catch (e) {
    write(`\nHOST TESTS ERROR: ${(e as Error).stack ?? String(e)}\n`);
    throw e;
  }
  if (failures > 0) throw new Error(`${failures} host test(s) failed`);
  if (total === 0) {
    write(`HOST TESTS FAIL: no test ran (files: ${files.join(', ') || 'none'})\n`);
    throw new Error('no host test ran');
  }
}
