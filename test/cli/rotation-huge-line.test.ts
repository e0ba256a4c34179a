import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHugeLineLog } from '../support/huge-line';
import { logContents } from '../support/log-contents';
import { runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

/** A 40 MiB line: reencrypt reads it in 1 MiB chunks joined once (linear), rewrites and verifies it. 200 MiB: `node scripts/huge-line.mjs 200`. */
describe('enclog reencrypt: a 40 MiB line', function () {
  this.timeout(120000);
  const dir = useTmpDir('huge-line');

  it('is re-encrypted and verified; every other byte of it is kept', async () => {
    const kek = { id: 'kek-v1', key: randomBytes(32) };
    const path = join(dir(), 'huge.log');
    const ids = writeHugeLineLog(path, kek, 40);
    const size = statSync(path).size;
    const old = join(dir(), 'old.key');
    const to = join(dir(), 'new.key');
    writeFileSync(old, `kek-v1:${kek.key.toString('base64')}\n`, { mode: 0o600 });
    writeFileSync(to, `kek-v2:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const run = await runCli(['reencrypt', path, '--to', `file:${to}`, '--key', `file:${old}`, '--json'], { timeoutMs: 110000 });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout.trim().split('\n')[0]);
    assert.equal(report.status, 'rotated');
    assert.equal(report.fieldsRewritten, 3);
    assert.ok(Math.abs(statSync(path).size - size) < 64, 'only the wrapped DEKs changed');
    const after = await logContents(path, [`file:${to}`]);
    assert.deepEqual(after.map((e) => [e.id, e.text]), ids.map((id) => [id, `secret of ${id}`]));
  });
});
