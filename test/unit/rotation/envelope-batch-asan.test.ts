import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const native = join(__dirname, '../../../../native/gcm-batch');
const required = process.env.ENCLOG_REQUIRE_NATIVE_KERNEL === '1';

describe('rotation: the native envelope batch under AddressSanitizer', function () {
  this.timeout(180_000);
  let dir = '';
  before(function () {
    // the harness links the system's libcrypto (OpenSSL 3) with the running Node's OpenSSL headers, as the addon is built
    const headers = resolve(process.execPath, '..', '..', 'include', 'node');
    if (spawnSync('cc', ['--version']).status !== 0 || !existsSync(join(headers, 'openssl', 'evp.h'))) {
      if (required) assert.fail('no C compiler (cc) or Node headers: the native kernel is required, so is this test');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'enclog-batch-asan-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('real envelope lines, mutated: no out-of-bounds access or undefined behaviour in any mode, and every done rewrite reads back with the same records', function () {
    const bin = join(dir, 'batch_fuzz');
    const headers = resolve(process.execPath, '..', '..', 'include', 'node');
    const sources = ['fuzz/batch_fuzz.c', 'envelope_batch.c', 'gcm_one.c', 'envelope_scan.c', 'base64.c'].map((f) => join(native, f));
    const build = spawnSync('cc', ['-std=c11', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-Wall', '-Werror', `-I${headers}`, ...sources, '-o', bin, '-l:libcrypto.so.3'], { encoding: 'utf8' });
    // without the sanitizer runtimes or the system's libcrypto this cannot run: skipped, and reported so, unless required (CI)
    if (build.status !== 0 && !required && /asan|ubsan|sanitize|libcrypto/i.test(build.stderr)) this.skip();
    assert.equal(build.status, 0, build.stderr);
    for (const seed of ['1', '2', '3']) {
      const r = spawnSync(bin, ['15000', seed], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } });
      assert.equal(r.status, 0, `seed ${seed}: ${r.stderr}`);
      const [done, left] = r.stdout.trim().split(' ').map(Number);
      assert.equal(done + left, 3 * 15000);
      assert.ok(done > 5000 && left > 5000, `seed ${seed}: ${r.stdout} (both ways must be exercised)`);
    }
  });
});
