import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEnvelopeLog, generateSymbiontLog, type EnvelopeFixture } from '../fixtures/generate';
import { gcmKernel } from '../../src/core/crypto/gcm-kernel';
import { runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

describe('enclog plan / reencrypt / verify / retire on real files', function () {
  this.timeout(60000);
  const dir = useTmpDir('cli-rotation');
  let fx: EnvelopeFixture;
  let env: NodeJS.ProcessEnv;
  let oldKeys: string[];
  let newKey: string;

  const key = (name: string, value: string) => {
    const p = join(dir(), name);
    writeFileSync(p, value + '\n', { mode: 0o600 });
    return `file:${p}`;
  };

  before(async () => {
    fx = await generateEnvelopeLog(dir(), { entries: 50 });
    oldKeys = fx.keySpecs.map((s, i) => key(`old${i}.key`, s));
    newKey = key('new.key', `kek-v3:${randomBytes(32).toString('base64')}`);
    env = { ENCLOG_STATE_DIR: join(dir(), 'state') };
  });

  const keyArgs = () => oldKeys.flatMap((k) => ['--key', k]);

  it('plan counts entries per key version and writes nothing', async () => {
    const before = readFileSync(fx.path);
    const run = await runCli(['plan', fx.path, ...keyArgs(), '--to', newKey, '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const plan = JSON.parse(run.stdout);
    assert.equal(plan.files[0].entries, 50);
    assert.deepEqual(plan.files[0].entriesByKey, { [oldKeys[0]]: 25, [oldKeys[1]]: 25 });
    assert.equal(plan.files[0].wouldRewrite, plan.files[0].fields);
    assert.ok(plan.files[0].estimatedSeconds > 0);
    assert.ok(readFileSync(fx.path).equals(before));
  });

  it('verify: 3 while entries are on old keys, 2 for a missing file or a usage error', async () => {
    const notYet = await runCli(['verify', fx.path, '--primary', newKey, ...keyArgs()], { env });
    assert.equal(notYet.code, 3, notYet.stderr);
    assert.match(notYet.stdout, /NOT OK 0 of \d+ value\(s\) on file:/);
    const missing = await runCli(['verify', join(dir(), 'nope.log'), '--primary', newKey], { env });
    assert.equal(missing.code, 2);
    const usage = await runCli(['verify', fx.path], { env });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--primary is required/);
  });

  it('retire is refused while the census shows values on the version', async () => {
    const run = await runCli(['retire', '--source', oldKeys[0], '--version', 'kek-v1', fx.path, '--key', oldKeys[1], '--key', newKey], { env });
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /refused: .* still needed by .*: 25 entr|refused: .*value\(s\)/);
  });

  it('reencrypt --dry-run changes nothing; reencrypt rotates; verify then exits 0', async () => {
    const before = readFileSync(fx.path);
    const bad = await runCli(['reencrypt', fx.path, '--to', newKey, ...keyArgs(), '--threads', 'x'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--threads takes a whole number >= 0/);
    // --threads 2: the bundled worker threads (out/envelope-worker.js next to out/cli.js) do the batches even for a small file
    const dry = await runCli(['reencrypt', fx.path, '--to', newKey, ...keyArgs(), '--dry-run', '--threads', '2', '--json'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(JSON.parse(dry.stdout).workerFailure, null);
    assert.ok(readFileSync(fx.path).equals(before));
    const dryText = await runCli(['reencrypt', fx.path, '--to', newKey, ...keyArgs(), '--dry-run'], { env });
    assert.equal(dryText.code, 0, dryText.stderr);
    assert.match(dryText.stdout, /DRY RUN: would re-encrypt \d+ of \d+ values/);
    const run = await runCli(['reencrypt', fx.path, '--to', newKey, ...keyArgs(), '--batch-size', '8', '--threads', '2'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Re-encrypted \d+ of \d+ values in 1 file/);
    // The bundled CLI finds the same AES-GCM kernel as this process (out/native next to out/cli.js) and names it.
    assert.match(run.stdout, new RegExp(`\\(AES-GCM kernel ${gcmKernel().name}\\)`));
    const ok = await runCli(['verify', fx.path, '--primary', newKey], { env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  });

  it('retire (known logs now clean) then purge needs --confirm; unretire undoes a retirement', async () => {
    const args = ['retire', '--source', oldKeys[0], '--version', 'kek-v1', '--key', oldKeys[1], '--key', newKey];
    const r = await runCli(args, { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /retired/);
    const state = JSON.parse(readFileSync(join(dir(), 'state', 'rotation-state.json'), 'utf8'));
    assert.ok(state.retired[oldKeys[0]]);
    assert.ok(state.knownLogs.includes(fx.path));
    const un = await runCli([...args, '--unretire'], { env });
    assert.equal(un.code, 0, un.stderr);
    assert.equal((await runCli(args, { env })).code, 0);
    const noConfirm = await runCli([...args, '--purge'], { env });
    assert.equal(noConfirm.code, 2);
    assert.match(noConfirm.stderr, /irreversible: confirm explicitly/);
    const purge = await runCli([...args, '--purge', '--confirm'], { env });
    assert.equal(purge.code, 0, purge.stderr);
    assert.match(purge.stdout, /purged: shred the key file/);
    const audit = readFileSync(join(dir(), 'state', 'audit.jsonl'), 'utf8');
    for (const a of ['"action":"retire"', '"action":"purge"', '"action":"rotation"']) assert.ok(audit.includes(a), a);
    for (const spec of [...fx.keySpecs]) assert.ok(!audit.includes(spec.split(':')[1]), 'no key material in the audit trail');
  });

  it('several files: a failing file is reported, the others are rotated (exit 3)', async () => {
    const good = await generateEnvelopeLog(dir(), { entries: 10, fileName: 'good.log', seed: 11, keks: [{ id: 'kek-v1', key: Buffer.from(fx.keySpecs[0].split(':')[1], 'base64') }] });
    const bad = join(dir(), 'bad.log');
    writeFileSync(bad, 'this is not a log\nat all\n');
    const run = await runCli(['reencrypt', bad, good.path, '--to', newKey, ...keyArgs()], { env });
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /bad\.log: failed: unrecognised log format/);
    assert.match(run.stdout, /good\.log: rotated/);
  });

  it('Symbiont with the current kdf label: reencrypt, then verify with the new key only', async () => {
    const s = await generateSymbiontLog(dir(), { entries: 3, fileName: 'sym.log', kdf: 'Argon2', updates: true });
    const a = key('sa.key', s.keyA);
    const b = key('sb.key', s.keyB);
    const n = key('sn.key', randomBytes(32).toString('base64'));
    const run = await runCli(['reencrypt', s.path, '--to', n, '--key', a, '--key', b], { env });
    assert.equal(run.code, 0, run.stderr);
    const lines = readFileSync(s.path, 'utf8').trim().split('\n');
    assert.ok(lines.every((l) => l.includes('"kdf":"Argon2id-m65536-t3-p1"')), 'new fields carry the current kdf label');
    const v = await runCli(['verify', s.path, '--primary', n], { env });
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
