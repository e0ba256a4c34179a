import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEnvelopeLog, type EnvelopeFixture } from '../fixtures/generate';
import { jsonLines, runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

describe('enclog decrypt: envelope log with several key ids', function () {
  this.timeout(60000);
  const dir = useTmpDir('cli-envelope');
  let fx: EnvelopeFixture;
  let keyFile: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    fx = await generateEnvelopeLog(dir(), { entries: 60, bad: true });
    keyFile = join(dir(), 'kek-v1.key');
    writeFileSync(keyFile, fx.keySpecs[0] + '\n', { mode: 0o600 });
    env = { SECRETS_ENCRYPTION_KEY: fx.keySpecs[1] };
  });

  it('opens kek-v1 from a key file and kek-v2 from the environment; bad entries are per-entry errors, exit 3', async () => {
    const run = await runCli(['decrypt', fx.path, '--json', '--no-mask', '--key', `file:${keyFile}`, '--key', 'env:SECRETS_ENCRYPTION_KEY'], { env });
    assert.equal(run.code, 3, run.stderr);
    const rows = jsonLines(run.stdout);
    assert.equal(rows.length, fx.entries.length);
    rows.forEach((row, i) => {
      const want = fx.entries[i];
      if (want.status === 'ok') {
        assert.equal(row.status, 'ok', `entry ${i}: ${row.error}`);
        assert.equal(row.key, want.key === 'kek-v1' ? `file:${keyFile}` : 'env:SECRETS_ENCRYPTION_KEY');
        assert.deepEqual(row.request, want.request);
        assert.deepEqual(row.response, want.response);
      } else {
        assert.equal(row.status, 'error', `entry ${i} should fail as ${want.status}`);
        assert.ok(String(row.error).length > 10, 'a readable reason');
      }
    });
    const failing = fx.entries.filter((e) => e.status !== 'ok').length;
    assert.equal(failing, 3);
    assert.match(run.stderr, new RegExp(`${failing} of ${fx.entries.length} entries could not be decrypted`));
  });

  it('inspect names each failure with its reason', async () => {
    const run = await runCli(['inspect', fx.path, '--json', '--key', `file:${keyFile}`, '--key', 'env:SECRETS_ENCRYPTION_KEY'], { env });
    assert.equal(run.code, 3);
    const report = JSON.parse(run.stdout);
    assert.equal(report.format, 'envelope');
    const expected = fx.entries.filter((e) => e.status !== 'ok').map((e) => [e.index, e.status]);
    assert.deepEqual(report.failures.map((f: { index: number; reason: string }) => [f.index, f.reason]), expected);
  });

  it('masks PII by default and shows it only with --no-mask', async () => {
    const args = ['decrypt', fx.path, '--json', '--key', `file:${keyFile}`, '--key', 'env:SECRETS_ENCRYPTION_KEY'];
    const masked = jsonLines((await runCli(args, { env })).stdout);
    const raw = jsonLines((await runCli([...args, '--no-mask'], { env })).stdout);
    const pii = fx.entries.filter((e) => e.rawPii && e.status === 'ok');
    assert.ok(pii.length > 0, 'the fixture has entries with raw PII');
    for (const e of pii) {
      assert.deepEqual(raw[e.index].request, e.request);
      assert.notDeepEqual(masked[e.index].request, e.request, `entry ${e.index} is masked`);
      assert.match(JSON.stringify(masked[e.index].request), /\[(EMAIL|PHONE|SSN|CARD|API_KEY|JWT|IP|SECRET)\]/);
    }
  });

  it('--no-mask and --mask are reveals: recorded in the audit trail and said on stderr; the default masking is not', async () => {
    const state = join(dir(), 'audit-state');
    const args = ['decrypt', fx.path, '--json', '--count', '5', '--key', `file:${keyFile}`, '--key', 'env:SECRETS_ENCRYPTION_KEY'];
    const reveals = () => (existsSync(join(state, 'audit.jsonl')) ? readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.action === 'reveal') : []);
    const masked = await runCli(args, { env: { ...env, ENCLOG_STATE_DIR: state } });
    assert.equal(reveals().length, 0, 'masked output is no reveal');
    assert.doesNotMatch(masked.stderr, /audit: reveal/);
    const raw = await runCli([...args, '--no-mask'], { env: { ...env, ENCLOG_STATE_DIR: state } });
    assert.match(raw.stderr, /audit: reveal - enclog decrypt .* entries 0\.\.4: unmasked \(--no-mask\)/);
    const partial = await runCli([...args, '--mask', 'email'], { env: { ...env, ENCLOG_STATE_DIR: state } });
    assert.match(partial.stderr, /audit: reveal .*masking only email/);
    const recorded = reveals();
    assert.equal(recorded.length, 2);
    assert.match(recorded[0].detail, /unmasked \(--no-mask\)/);
    for (const pii of fx.entries.filter((e) => e.rawPii).flatMap((e) => JSON.stringify(e.request).match(/[\w.]+@[\w.]+/g) ?? [])) {
      assert.ok(!readFileSync(join(state, 'audit.jsonl'), 'utf8').includes(pii), 'the trail never holds a revealed value');
    }
  });

  it('--from/--count select a range', async () => {
    const run = await runCli(['decrypt', fx.path, '--json', '--from', '3', '--count', '2', '--key', `file:${keyFile}`, '--key', 'env:SECRETS_ENCRYPTION_KEY'], { env });
    assert.deepEqual(jsonLines(run.stdout).map((r) => r.index), [3, 4]);
  });

  it('refuses a key file readable by group or others, with a readable message', async () => {
    const loose = join(dir(), 'loose.key');
    writeFileSync(loose, fx.keySpecs[0]);
    chmodSync(loose, 0o644);
    const run = await runCli(['keys', 'list', '--key', `file:${loose}`]);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /chmod 600/);
  });

  it('exit 2 on usage and I/O errors', async () => {
    assert.equal((await runCli(['decrypt', join(dir(), 'missing.log')])).code, 2);
    assert.equal((await runCli(['decrypt', fx.path, '--no-such-flag'])).code, 2);
    assert.equal((await runCli(['frobnicate'])).code, 2);
    assert.equal((await runCli(['decrypt', fx.path, '--count', 'many'])).code, 2);
    const junk = join(dir(), 'junk.log');
    writeFileSync(junk, 'hello world\nnot a log\n');
    const run = await runCli(['inspect', junk]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unrecognised log format/);
  });
});
