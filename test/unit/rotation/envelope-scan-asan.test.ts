import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const native = join(__dirname, '../../../../native/gcm-batch');

describe('rotation: the native envelope-line scanner under AddressSanitizer', function () {
  this.timeout(120_000);
  let dir = '';
  before(function () {
    const cc = spawnSync('cc', ['--version']);
    if (cc.status !== 0) {
      // the native kernel is built with the same compiler: where it is required, so is this test
      if (process.env.ENCLOG_REQUIRE_NATIVE_KERNEL === '1') assert.fail('no C compiler (cc) on PATH');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'enclog-scan-asan-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('fuzzed batches (valid lines mutated, JSON fragments, random bytes): no out-of-bounds access, no undefined behaviour, every range inside its line', function () {
    const bin = join(dir, 'scan_fuzz');
    const build = spawnSync('cc', ['-std=c11', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-Wall', '-Werror', join(native, 'fuzz/scan_fuzz.c'), join(native, 'envelope_scan.c'), '-o', bin], { encoding: 'utf8' });
    // a compiler without the sanitizer runtimes (e.g. musl's gcc) cannot run this: skipped, and reported so, unless required (CI)
    if (build.status !== 0 && process.env.ENCLOG_REQUIRE_NATIVE_KERNEL !== '1' && /asan|ubsan|sanitize/i.test(build.stderr)) this.skip();
    assert.equal(build.status, 0, build.stderr);
    for (const seed of ['1', '2', '3']) {
      const r = spawnSync(bin, ['150000', seed], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } });
      assert.equal(r.status, 0, `seed ${seed}: ${r.stderr}`);
      const [accepted, refused] = r.stdout.trim().split(' ').map(Number);
      assert.equal(accepted + refused, 150000);
      assert.ok(accepted > 5000 && refused > 5000, `seed ${seed}: ${r.stdout} (both ways must be exercised)`);
    }
  });
});
