import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSymbiontLog, type SymbiontFixture } from '../fixtures/generate';
import { jsonLines, runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

describe('enclog --format: overriding detection', function () {
  this.timeout(120000);
  const dir = useTmpDir('cli-format');
  let fx: SymbiontFixture;
  let path: string;
  let env: NodeJS.ProcessEnv;
  const JUNK = 16;

  before(async () => {
    fx = await generateSymbiontLog(dir(), { entries: 4, updates: false });
    // a log whose first lines say nothing about the format (a writer's banner, notes)
    path = join(dir(), 'prefixed.log');
    writeFileSync(path, '{"note":"log rotated"}\n'.repeat(JUNK) + readFileSync(fx.path, 'utf8'));
    env = { K_A: fx.keyA, K_B: fx.keyB };
  });

  it('without --format the file is unrecognised (exit 2, with the reason)', async () => {
    const run = await runCli(['decrypt', path, '--key', 'env:K_A'], { env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unrecognised log format/);
  });

  it('decrypt --format symbiont reads it: the junk lines are per-entry errors, the entries decrypt', async () => {
    const run = await runCli(['decrypt', path, '--json', '--no-mask', '--format', 'symbiont', '--key', 'env:K_A', '--key', 'env:K_B'], { env });
    assert.equal(run.code, 3, run.stderr);
    const rows = jsonLines(run.stdout);
    assert.equal(rows.length, JUNK + fx.entries.length);
    for (const r of rows.slice(0, JUNK)) assert.ok(r.status === 'error' && /request_data is missing/.test(String(r.error)), String(r.error));
    rows.slice(JUNK).forEach((r, i) => {
      assert.equal(r.status, 'ok', String(r.error));
      assert.deepEqual(r.request, fx.entries[i]!.request);
    });
  });

  it('inspect --format symbiont reports the format it was told', async () => {
    const run = await runCli(['inspect', path, '--json', '--format', 'symbiont', '--key', 'env:K_A', '--key', 'env:K_B'], { env });
    const report = JSON.parse(run.stdout) as { format: string; entries: number };
    assert.equal(report.format, 'symbiont');
    assert.equal(report.entries, JUNK + fx.entries.length);
  });

  it('a wrong --format gives per-entry errors, never a crash; an unknown name is a usage error', async () => {
    const wrong = await runCli(['decrypt', fx.path, '--json', '--format', 'envelope', '--key', 'env:K_A'], { env });
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.ok(jsonLines(wrong.stdout).every((r) => r.status === 'error'));
    const bad = await runCli(['decrypt', fx.path, '--format', 'csv'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format takes symbiont, envelope, transit/);
  });
});
