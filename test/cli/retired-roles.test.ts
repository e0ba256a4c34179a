import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

describe('retired versions are shown as retired wherever keys are listed', function () {
  this.timeout(30000);
  const dir = useTmpDir('cli-retired');

  it('keys list reads the rotation state file: retire, then unretire', async () => {
    const env = { ENCLOG_STATE_DIR: join(dir(), 'state'), OLD_KEK: `kek-v1:${randomBytes(32).toString('base64')}` };
    const keyFile = join(dir(), 'kek-v2.key');
    writeFileSync(keyFile, `kek-v2:${randomBytes(32).toString('base64')}`, { mode: 0o600 });
    const refs = ['--key', 'env:OLD_KEK', '--key', `file:${keyFile}`];
    const roles = async () => {
      const run = await runCli(['keys', 'list', '--json', ...refs], { env });
      assert.equal(run.code, 0, run.stderr);
      return Object.fromEntries((JSON.parse(run.stdout).keys as { sourceRef: string; role: string }[]).map((k) => [k.sourceRef, k.role]));
    };
    assert.equal((await roles())['env:OLD_KEK'], 'primary');

    const retire = await runCli(['retire', '--source', 'env:OLD_KEK', '--version', 'kek-v1', ...refs], { env });
    assert.equal(retire.code, 0, retire.stderr + retire.stdout);
    assert.equal((await roles())['env:OLD_KEK'], 'retired');
    assert.equal((await roles())[`file:${keyFile}`], 'primary');

    const back = await runCli(['retire', '--source', 'env:OLD_KEK', '--version', 'kek-v1', '--unretire', ...refs], { env });
    assert.equal(back.code, 0, back.stderr + back.stdout);
    assert.equal((await roles())['env:OLD_KEK'], 'primary');
  });
});
