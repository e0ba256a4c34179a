import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSymbiontLog, type SymbiontFixture } from '../fixtures/generate';
import { jsonLines, runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

describe('enclog decrypt: Symbiont log with a key rotated half-way', function () {
  this.timeout(120000);
  const dir = useTmpDir('cli-symbiont');
  let legacy: SymbiontFixture;
  let current: SymbiontFixture;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    legacy = await generateSymbiontLog(dir(), { entries: 12, kdf: 'Argon2', orphanUpdate: true, fileName: 'legacy.encrypted.log' });
    current = await generateSymbiontLog(dir(), { entries: 6, kdf: 'Argon2id-m65536-t3-p1', seed: 9, fileName: 'current.encrypted.log' });
    env = { SYM_OLD: legacy.keyA, SYM_NEW: legacy.keyB, CUR_A: current.keyA, CUR_B: current.keyB };
  });

  const expectAll = (fx: SymbiontFixture, rows: Record<string, unknown>[], labelOf: (k: string) => string) => {
    assert.equal(rows.length, fx.entries.length);
    rows.forEach((row, i) => {
      const want = fx.entries[i];
      assert.deepEqual(Object.keys(row), ['index', 'id', 'timestamp', 'status', 'key', 'request', 'response', 'error', 'model', 'metadata']);
      assert.equal(row.index, i);
      assert.equal(row.id, want.id);
      assert.equal(row.status, 'ok', `entry ${i}: ${row.error}`);
      assert.equal(row.key, labelOf(want.key));
      assert.deepEqual(row.request, want.request);
      assert.deepEqual(row.response, want.response);
      assert.equal(row.error, want.error);
    });
  };

  for (const order of [['env:SYM_OLD', 'env:SYM_NEW'], ['env:SYM_NEW', 'env:SYM_OLD']]) {
    it(`decrypts every entry, UPDATE lines merged, with keys given as ${order.join(' then ')}`, async () => {
      const run = await runCli(['decrypt', legacy.path, '--json', '--no-mask', ...order.flatMap((k) => ['--key', k])], { env });
      assert.equal(run.code, 0, run.stderr);
      expectAll(legacy, jsonLines(run.stdout), (k) => (k === 'A' ? 'env:SYM_OLD' : 'env:SYM_NEW'));
    });
  }

  it('reads the current kdf label (Argon2id m=64 MiB, t=3) too', async () => {
    const run = await runCli(['decrypt', current.path, '--json', '--no-mask', '--key', 'env:CUR_B', '--key', 'env:CUR_A'], { env });
    assert.equal(run.code, 0, run.stderr);
    expectAll(current, jsonLines(run.stdout), (k) => (k === 'A' ? 'env:CUR_A' : 'env:CUR_B'));
  });

  it('takes key refs from .enclog.json in the working directory', async () => {
    writeFileSync(join(dir(), '.enclog.json'), JSON.stringify({ keys: ['env:SYM_NEW', 'env:SYM_OLD'] }));
    const run = await runCli(['decrypt', 'legacy.encrypted.log', '--json', '--no-mask'], { env, cwd: dir() });
    assert.equal(run.code, 0, run.stderr);
    expectAll(legacy, jsonLines(run.stdout), (k) => (k === 'A' ? 'env:SYM_OLD' : 'env:SYM_NEW'));
  });

  it('with only the new key, the old half fails per entry with exit 3 and the new half decrypts', async () => {
    const run = await runCli(['decrypt', legacy.path, '--json', '--key', 'env:SYM_NEW'], { env });
    assert.equal(run.code, 3);
    const rows = jsonLines(run.stdout);
    assert.equal(rows.length, legacy.entries.length);
    rows.forEach((row, i) => {
      const onNewKey = legacy.entries[i].key === 'B';
      assert.equal(row.status, onNewKey ? 'ok' : 'error', `entry ${i}`);
      if (!onNewKey) assert.match(String(row.error), /GCM tag check/);
    });
    assert.match(run.stderr, /6 of 12 entries could not be decrypted/);
  });

  it('inspect counts entries per key version and the time range', async () => {
    const run = await runCli(['inspect', legacy.path, '--json', '--key', 'env:SYM_OLD', '--key', 'env:SYM_NEW'], { env });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.format, 'symbiont');
    assert.equal(report.entries, 12);
    assert.deepEqual(report.keys, { 'env:SYM_OLD': 6, 'env:SYM_NEW': 6 });
    assert.deepEqual(report.failures, []);
    assert.ok(Date.parse(report.firstTimestamp) < Date.parse(report.lastTimestamp));
    assert.deepEqual(report.orphanUpdates.map((o: { id: string }) => o.id), legacy.orphanIds);
  });
});
