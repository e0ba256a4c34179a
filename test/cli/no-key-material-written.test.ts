import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEnvelopeLog, type EnvelopeFixture } from '../fixtures/generate';
import { runCli, type CliRun } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const st = statSync(p);
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : [];
  });
}

/**
 * Every file the CLI wrote (state dir, audit.jsonl, rotated logs, temp dir) and everything it printed,
 * after normal use and after the mistakes of issue 11 (a key given as a ref): no key in any encoding.
 */
describe('enclog writes and prints no key material', function () {
  this.timeout(120000);
  const dir = useTmpDir('no-key-material');
  let fx: EnvelopeFixture;
  let keys: Buffer[];
  let work: string;
  let state: string;
  let tmp: string;
  const outputs: CliRun[] = [];

  const encodings = (k: Buffer): string[] => [k.toString('base64'), k.toString('base64url'), k.toString('hex'), k.toString('hex').toUpperCase(), k.toString('base64').slice(0, 20)];

  before(async () => {
    work = join(dir(), 'work');
    state = join(dir(), 'state');
    tmp = join(dir(), 'tmp');
    for (const d of [work, state, tmp]) mkdirSync(d);
    fx = await generateEnvelopeLog(work, { entries: 30 });
    keys = [...fx.keks.map((k) => k.key), randomBytes(32)];
  });

  async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
    const r = await runCli(args, { cwd: work, env: { ENCLOG_STATE_DIR: state, TMPDIR: tmp, SECRETS_ENCRYPTION_KEY: fx.keySpecs[1], ...env } });
    outputs.push(r);
    return r;
  }

  it('normal use: decrypt (text and --json), inspect, keys list, reencrypt with audit', async () => {
    const keyFile = join(work, 'kek-v1.key');
    writeFileSync(keyFile, fx.keySpecs[0] + '\n', { mode: 0o600 });
    const newKey = join(work, 'kek-v3.key');
    writeFileSync(newKey, `kek-v3:${keys[2].toString('base64')}\n`, { mode: 0o600 });
    const refs = ['--key', `file:${keyFile}`, '--key', 'env:SECRETS_ENCRYPTION_KEY'];
    assert.equal((await run(['decrypt', fx.path, ...refs, '--verbose'])).code, 0);
    assert.equal((await run(['decrypt', fx.path, '--json', '--no-mask', ...refs])).code, 0);
    assert.equal((await run(['inspect', fx.path, ...refs, '--json'])).code, 0);
    assert.equal((await run(['keys', 'list', ...refs, '--verbose'])).code, 0);
    const rot = await run(['reencrypt', fx.path, '--to', `file:${newKey}`, ...refs, '--backup', '--verbose']);
    assert.equal(rot.code, 0, rot.stderr);
    assert.ok(readFileSync(join(state, 'audit.jsonl'), 'utf8').length > 0, 'the audit trail was written');
  });

  it('a key given by mistake as a ref (KEK string, file: of the key text, env: of it, in .enclog.json) is refused without repeating it', async () => {
    const spec = `kek-v9:${keys[2].toString('base64')}`;
    for (const ref of [spec, `file:${spec}`, `env:${keys[2].toString('base64')}`, keys[2].toString('hex'), `file:${keys[2].toString('base64url')}`]) {
      for (const cmd of [['keys', 'list', '--json'], ['decrypt', fx.path, '--json'], ['rotate', '--source'], ['reencrypt', fx.path, '--to']]) {
        const r = await run([...cmd, ...(cmd.includes('--source') || cmd.includes('--to') ? [ref] : ['--key', ref])]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /invalid key ref|looks like key material/);
      }
    }
    writeFileSync(join(work, '.enclog.json'), JSON.stringify({ keys: [spec] }));
    const r = await run(['keys', 'list', '--json']);
    assert.equal(r.code, 2);
  });

  it('no file written and no output holds any key in any encoding', () => {
    const written = [...filesUnder(state), ...filesUnder(tmp), ...filesUnder(work).filter((p) => !p.endsWith('.key') && !p.endsWith('.enclog.json'))] // the test's own key files and config;
    assert.ok(written.some((p) => p.endsWith('audit.jsonl')));
    let checked = 0;
    for (const k of keys) {
      for (const enc of encodings(k)) {
        for (const p of written) {
          checked++;
          const bytes = readFileSync(p);
          assert.ok(!bytes.includes(enc) && !bytes.includes(k), `${p} holds key material`);
        }
        for (const o of outputs) {
          checked++;
          assert.ok(!o.stdout.includes(enc) && !o.stderr.includes(enc), `output holds key material: ${o.stderr.slice(0, 200)}`);
        }
      }
    }
    assert.ok(checked > 100);
  });
});
