import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../../..');

/**
 * scripts/build.mjs transpiles src/ and test/ file by file into out/. A test file that was renamed or
 * deleted in test/ must not survive as out/test/…/*.test.js, where the mocha globs would still run it.
 * The build runs into a temporary output directory (`--out`), so the tier's own out/ is left alone.
 */
describe('scripts/build.mjs: no stale compiled tests', function () {
  this.timeout(120_000); // a full development build (bundles + every file transpiled); no timing is asserted
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclog-build-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes compiled tests and sources whose .ts file no longer exists, and compiles the ones that do', () => {
    const stale = [join(dir, 'test', 'unit', 'renamed-away.test.js'), join(dir, 'test', 'cli', 'deleted.test.js'), join(dir, 'src', 'core', 'gone.js')];
    for (const f of stale) {
      mkdirSync(join(f, '..'), { recursive: true });
      writeFileSync(f, "it('a test whose source was deleted', () => {});\n");
    }
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', dir], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    for (const f of stale) assert.equal(existsSync(f), false, `${f} survived the build`);
    assert.ok(existsSync(join(dir, 'test', 'unit', 'scripts', 'build-clean.test.js')), 'this test is compiled');
    assert.ok(existsSync(join(dir, 'src', 'core', 'engine.js')), 'sources are compiled');
    assert.ok(existsSync(join(dir, 'cli.js')), 'the CLI bundle is built into --out');
  });
});
