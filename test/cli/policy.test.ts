import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEnvelopeLog } from '../fixtures/generate';
import { runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

const plainLine = (i: number) => JSON.stringify({ ts: i, model: 'm', prompt: `question ${i}`, response: `answer ${i}` });

describe('enclog policy check', function () {
  this.timeout(60000);
  const dir = useTmpDir('cli-policy');
  let clean: string;
  let dirty: string;

  before(async () => {
    clean = join(dir(), 'clean');
    dirty = join(dir(), 'dirty');
    for (const ws of [clean, dirty]) {
      mkdirSync(join(ws, 'logs'), { recursive: true });
      mkdirSync(join(ws, 'node_modules', 'pkg'), { recursive: true });
      const fx = await generateEnvelopeLog(join(ws, 'logs'), { entries: 20 });
      fx.keySpecs.forEach((spec, i) => writeFileSync(join(ws, `kek-v${i + 1}.key`), spec + '\n', { mode: 0o600 }));
      // node_modules is never walked, whatever it holds
      writeFileSync(join(ws, 'node_modules', 'pkg', 'chat.jsonl'), plainLine(0) + '\n');
      writeFileSync(join(ws, '.enclog.json'), JSON.stringify({ keys: ['file:kek-v1.key', 'file:kek-v2.key'], policy: { encryptedOnlyPaths: ['logs/**'], sampleLines: 10 } }));
    }
    writeFileSync(join(dirty, 'logs', 'chat.jsonl'), Array.from({ length: 5 }, (_, i) => plainLine(i)).join('\n') + '\n');
    writeFileSync(join(dirty, 'notes.log'), [...Array.from({ length: 30 }, (_, i) => JSON.stringify({ level: 'info', msg: `m${i}` })), plainLine(30)].join('\n') + '\n');
    chmodSync(join(dirty, 'kek-v2.key'), 0o644);
  });

  it('exit 0 on a clean workspace, with a summary line', async () => {
    const run = await runCli(['policy', 'check'], { cwd: clean });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /0 error\(s\), 0 warning\(s\)/);
    assert.match(run.stdout, /1 encrypted log\(s\)/);
  });

  it('exit 3 with findings: each names the rule, file:line and what to do', async () => {
    const run = await runCli(['policy', 'check'], { cwd: dirty });
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stdout, /ERROR plaintext-llm-log {2}logs\/chat\.jsonl:1\n/);
    assert.match(run.stdout, /ERROR key-file-permissions {2}kek-v2\.key:1\n.*mode 0644.*\n {6}fix: chmod 600 /);
    assert.match(run.stdout, /fix: turn on encrypted logging/);
    assert.doesNotMatch(run.stdout, /node_modules/);
    assert.doesNotMatch(run.stdout, /notes\.log/, 'plaintext past the 10-line head is not read without --deep');
  });

  it('--json: one object with findings (1-based lines), files, keys and ok=false', async () => {
    const run = await runCli(['policy', 'check', '--json', '--deep'], { cwd: dirty });
    assert.equal(run.code, 3, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.ok, false);
    assert.equal(report.deep, true);
    const rules = report.findings.map((f: { rule: string; file: string; line: number }) => [f.rule, f.file.slice(dirty.length + 1), f.line]);
    assert.deepEqual(
      rules.filter((r: string[]) => r[0] !== 'key-age-unknown').sort(),
      [
        ['key-file-permissions', 'kek-v2.key', 1],
        ['plaintext-llm-log', 'logs/chat.jsonl', 1],
        ['plaintext-llm-log', 'notes.log', 31],
      ].sort(),
    );
    const chat = report.findings.find((f: { file: string }) => f.file.endsWith('chat.jsonl'));
    assert.equal(chat.severity, 'error', 'inside encrypted-only paths');
    assert.equal(chat.count, 5);
    const notes = report.findings.find((f: { file: string }) => f.file.endsWith('notes.log'));
    assert.equal(notes.severity, 'warning', 'outside encrypted-only paths');
    assert.ok(report.files.some((f: { kind: string; format: string }) => f.kind === 'encrypted-log' && f.format === 'envelope'));
  });

  it('PATH arguments narrow the scan (configured file: key refs are always checked)', async () => {
    const run = await runCli(['policy', 'check', 'logs/model_io.envelope.log', '--json'], { cwd: dirty });
    assert.equal(run.code, 3, run.stdout);
    const report = JSON.parse(run.stdout);
    assert.equal(report.files.length, 1);
    assert.deepEqual(report.findings.map((f: { rule: string }) => f.rule), ['key-file-permissions']);
    const cleanRun = await runCli(['policy', 'check', 'logs', '--json'], { cwd: clean });
    assert.equal(cleanRun.code, 0, cleanRun.stdout);
    assert.equal(JSON.parse(cleanRun.stdout).ok, true);
  });

  it('exit 2 on usage errors: no subcommand, unknown flag, bad policy, missing path', async () => {
    const cases: Array<[string[], RegExp, string?]> = [
      [['policy'], /unknown policy subcommand/],
      [['policy', 'check', '--fast'], /unknown option --fast/],
      [['policy', 'check', 'no/such/dir'], /no such file/],
    ];
    for (const [args, re] of cases) {
      const run = await runCli(args, { cwd: clean });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, re);
    }
    const bad = join(dir(), 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, '.enclog.json'), JSON.stringify({ policy: { rotationIntervalDay: 30 } }));
    const run = await runCli(['policy', 'check'], { cwd: bad });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /policy: unknown setting "rotationIntervalDay"/);
    const other = await runCli(['keys', 'list'], { cwd: bad });
    assert.equal(other.code, 0, 'a bad policy does not break other commands: ' + other.stderr);
  });
});
