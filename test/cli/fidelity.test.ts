import assert from 'node:assert/strict';
import { generateSymbiontLog, type SymbiontFixture } from '../fixtures/generate';
import { runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

/** What Symbiont's writer (serde_json) puts in a tool call: u64 ids, floats as written, a duplicate key. */
export const EXACT_ARGS = '{"account_id":12345678901234567,"max":18446744073709551615,"ratio":1.0,"huge":1.5e300,"neg":-0,"dup":1,"dup":2,"10":"ten","2":"two"}';
export const EXACT_RESULT = '{"order_id":9007199254740993,"total":-0.10,"card":4111111111111111}';
const REQUEST = `{"prompt":"look up the account","tool_name":"lookup","tool_arguments":${EXACT_ARGS},"parameters":{"max_tokens":64}}`;
const RESPONSE = `{"content":"found","tool_result":${EXACT_RESULT},"confidence":0.90,"metadata":{}}`;

describe('enclog decrypt: values come out exactly as written', function () {
  this.timeout(120000);
  const dir = useTmpDir('cli-fidelity');
  let fx: SymbiontFixture;

  before(async () => {
    fx = await generateSymbiontLog(dir(), {
      entries: 2,
      fileName: 'exact.encrypted.log',
      plaintextText: (i, which) => (i === 0 ? (which === 'request' ? REQUEST : RESPONSE) : undefined),
    });
  });

  it('--json --no-mask: 64-bit integers, 1.0, 1.5e300, -0, duplicate and index-like keys byte-exact', async () => {
    const run = await runCli(['decrypt', fx.path, '--json', '--no-mask', '--key', 'env:K_A', '--key', 'env:K_B'], { env: { K_A: fx.keyA, K_B: fx.keyB } });
    assert.equal(run.code, 0, run.stderr);
    const first = run.stdout.split('\n')[0]!;
    assert.ok(first.includes(`"request":${REQUEST},`), first);
    assert.ok(first.includes(`"response":${RESPONSE},`), first);
  });

  it('masked (the default): the same digits, only the card number in the tool result is masked', async () => {
    const run = await runCli(['decrypt', fx.path, '--json', '--key', 'env:K_A', '--key', 'env:K_B'], { env: { K_A: fx.keyA, K_B: fx.keyB } });
    assert.equal(run.code, 0, run.stderr);
    const first = run.stdout.split('\n')[0]!;
    assert.ok(first.includes(`"tool_arguments":${EXACT_ARGS}`), first);
    assert.ok(first.includes('"tool_result":{"order_id":9007199254740993,"total":-0.10,"card":"[CARD]"}'), first);
  });

  it('text output keeps the digits too', async () => {
    const run = await runCli(['decrypt', fx.path, '--no-mask', '--count', '1', '--key', 'env:K_A', '--key', 'env:K_B'], { env: { K_A: fx.keyA, K_B: fx.keyB } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.includes(`request:  ${REQUEST}`), run.stdout);
  });
});

describe('enclog decrypt: any nesting depth', function () {
  // Work, not speed: masking each entry has a wall-clock budget (2 s by default) after which values are
  // withheld; on a loaded machine the deep entry could run past it. The runs below lift the budget
  // (--mask-budget) so they check what masking produces however slow the machine is; mocha's limit
  // only catches a hang (the work is linear in the depth: ~0.2 s to mask 100,000 levels on a quiet core).
  this.timeout(120000);
  const NO_BUDGET = ['--mask-budget', String(10 * 60 * 1000)];
  const dir = useTmpDir('cli-depth');
  const DEPTH = 100_000;
  let fx: SymbiontFixture;

  before(async () => {
    const deep = '{"prompt":"deep","tool_arguments":' + '['.repeat(DEPTH) + '"a@b.io"' + ']'.repeat(DEPTH) + '}';
    fx = await generateSymbiontLog(dir(), { entries: 3, fileName: 'deep.encrypted.log', plaintextText: (i, which) => (i === 1 && which === 'request' ? deep : undefined) });
  });

  for (const mask of [[], ['--no-mask']]) {
    it(`a value nested ${DEPTH} levels decrypts with the entries around it ${mask.length ? '(--no-mask)' : '(masked)'}`, async () => {
      const run = await runCli(['decrypt', fx.path, '--json', ...mask, ...NO_BUDGET, '--key', 'env:K_A', '--key', 'env:K_B'], { env: { K_A: fx.keyA, K_B: fx.keyB } });
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.split('\n').filter(Boolean);
      assert.equal(lines.length, 3);
      assert.ok(!lines[1]!.includes('WITHHELD'), 'masked in full, nothing withheld');
      const deep = lines[1]!;
      const leaf = mask.length ? '"a@b.io"' : '"[EMAIL]"';
      assert.ok(deep.includes('[['.repeat(10) + leaf + ']]'.repeat(10)));
      assert.equal(deep.split('[').length - 1, DEPTH + (mask.length ? 0 : 1), 'every level kept (plus the [EMAIL] marker when masked)');
      assert.equal(JSON.parse(lines[2]!).status, 'ok');
    });
  }

  it('a spent budget (--mask-budget 0) withholds the deep value and says so, never printing it unmasked', async () => {
    const run = await runCli(['decrypt', fx.path, '--json', '--mask-budget', '0', '--key', 'env:K_A', '--key', 'env:K_B'], { env: { K_A: fx.keyA, K_B: fx.keyB } });
    assert.equal(run.code, 0, run.stderr);
    const deep = run.stdout.split('\n').filter(Boolean)[1]!;
    assert.ok(!deep.includes('a@b.io'));
    assert.ok(deep.includes('"[WITHHELD]"'));
    assert.ok(deep.endsWith(',"masking":"over-budget: values not scanned in time are [WITHHELD]"}'), 'the entry says its masking ran out of time');
  });
});
