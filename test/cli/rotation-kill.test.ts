import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealEnvelope } from '../../src/core/crypto/envelope-cipher';
import { generateEnvelopeLog, type EnvelopeFixture } from '../fixtures/generate';
import { ENCLOG_BIN, runCli } from '../support/run-cli';
import { logContents } from '../support/log-contents';
import { useTmpDir } from '../support/tmp-dir';

const contents = logContents;

/** Spawns the real CLI and SIGKILLs it after `ms` (or lets it kill itself at a phase). */
function runAndKill(args: string[], env: NodeJS.ProcessEnv, ms: number | null): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENCLOG_BIN, ...args], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const t = ms === null ? null : setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', reject);
    child.on('close', (code) => {
      if (t) clearTimeout(t);
      resolve(code);
    });
  });
}

describe('enclog reencrypt: SIGKILL at 22 points, then a rerun completes; a concurrent appender', function () {
  this.timeout(90000);
  const dir = useTmpDir('cli-kill');
  let fx: EnvelopeFixture;
  let oldRef: string;
  const targets: string[] = [];
  let expected: Array<{ id: string; text: string; key: string }>;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    const k1 = { id: 'kek-v1', key: randomBytes(32) };
    fx = await generateEnvelopeLog(dir(), { entries: 240, keks: [k1] });
    const file = (name: string, v: string) => {
      writeFileSync(join(dir(), name), v + '\n', { mode: 0o600 });
      return `file:${join(dir(), name)}`;
    };
    oldRef = file('old.key', fx.keySpecs[0]);
    targets.push(file('t1.key', `kek-v2:${randomBytes(32).toString('base64')}`), file('t2.key', `kek-v3:${randomBytes(32).toString('base64')}`));
    expected = await contents(fx.path, [oldRef]);
    env = { ENCLOG_STATE_DIR: join(dir(), 'state'), ENCLOG_TEST_BATCH_DELAY_MS: '12' };
  });

  it('killed at random moments and at every commit step, the log is always entirely old or entirely new; a rerun finishes', async () => {
    const all = () => [oldRef, ...targets];
    const phases = ['batch-written', 'tmp-written', 'tmp-synced', 'verified', 'journal-written', 'linked', 'tail-caught-up', 'renamed', 'salvaged'];
    const rng = (() => {
      let s = 12345;
      return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    })();
    const plan: Array<{ phase?: string; ms?: number }> = [...phases.map((phase) => ({ phase })), ...Array.from({ length: 14 }, () => ({ ms: 80 + Math.floor(rng() * 700) }))];
    let outcomes = { old: 0, new: 0 };
    for (const step of plan) {
      const now = await contents(fx.path, all());
      const onKey = now[0].key;
      const target = onKey === targets[0] ? targets[1] : targets[0];
      const args = ['reencrypt', fx.path, '--to', target, '--key', oldRef, '--key', targets[0], '--key', targets[1], '--batch-size', '20', '--quiet'];
      const code = await runAndKill(args, { ...env, ...(step.phase ? { ENCLOG_TEST_KILL_AT: step.phase } : {}) }, step.ms ?? null);
      const after = await contents(fx.path, all());
      assert.equal(after.length, expected.length, `no entry lost or duplicated (${JSON.stringify(step)}, exit ${code})`);
      assert.deepEqual(after.map((a) => [a.id, a.text]), expected.map((e) => [e.id, e.text]), 'same content in the same order');
      const keysUsed = new Set(after.map((a) => a.key));
      assert.equal(keysUsed.size, 1, `never a mix: ${[...keysUsed].join(', ')} after ${JSON.stringify(step)}`);
      outcomes = keysUsed.has(target) ? { ...outcomes, new: outcomes.new + 1 } : { ...outcomes, old: outcomes.old + 1 };
    }
    assert.ok(outcomes.old > 0 && outcomes.new > 0, `kills landed both before and after the switch: ${JSON.stringify(outcomes)}`);
    const final = targets[0];
    const run = await runCli(['reencrypt', fx.path, '--to', final, '--key', oldRef, '--key', targets[1]], { env: { ENCLOG_STATE_DIR: env.ENCLOG_STATE_DIR } });
    assert.ok(run.code === 0, run.stdout + run.stderr);
    const done = await contents(fx.path, [final]);
    assert.deepEqual(done.map((d) => [d.id, d.text]), expected.map((e) => [e.id, e.text]));
    for (const leftover of ['.tmp', '.rotate-journal', '.rotate-old', '.rotate-lock']) assert.ok(!existsSync(fx.path + leftover), leftover);
    assert.deepEqual(readdirSync(dir()).filter((n) => n.includes('.enclog-')), [], 'no private file of a run is left');
  });

  it('a writer appending (open-append-close per line) during the rotation loses no line', async () => {
    const kek = fx.keks[0];
    const appended: string[] = [];
    let n = 0;
    const timer = setInterval(() => {
      const id = `appended-${n++}`;
      appended.push(id);
      const line = JSON.stringify({ id, agent_id: 'a', interaction_type: 'Completion', timestamp: new Date().toISOString(), latency_ms: 1, model_identifier: 'm', request_data: sealEnvelope(Buffer.from(id), kek.key, kek.id), response_data: null, metadata: {}, error: null, token_usage: null });
      appendFileSync(fx.path, line + '\n');
    }, 3);
    const target = targets[1];
    let run;
    try {
      run = await runCli(['reencrypt', fx.path, '--to', target, '--key', oldRef, '--key', targets[0], '--batch-size', '20', '--quiet', '--json'], { env });
    } finally {
      clearInterval(timer);
    }
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout.trim().split('\n')[0]);
    assert.equal(report.status, 'rotated');
    const after = await contents(fx.path, [oldRef, ...targets]);
    const ids = after.map((a) => a.id);
    for (const id of appended) assert.ok(ids.includes(id), `appended line ${id} is in the log`);
    assert.equal(new Set(ids).size, ids.length, 'no duplicate');
    assert.deepEqual(after.slice(0, expected.length).map((a) => [a.id, a.text]), expected.map((e) => [e.id, e.text]));
    assert.ok(after.slice(0, expected.length).every((a) => a.key === target));
    assert.ok(report.appendedDuringRotation > 0, 'lines arrived during the rotation');
  });
});
