import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEnvelopeLog } from '../fixtures/generate';
import { runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

interface LineageJson {
  name: string;
  rule: string;
  primary: string | null;
  warnings: string[];
  versions: { version: string; role: string; label: string; source: string }[];
}

const kek = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;

describe('enclog keys list: key lineages', function () {
  this.timeout(30000);
  const dir = useTmpDir('cli-lineage');

  async function lineages(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Record<string, LineageJson>> {
    const run = await runCli(['keys', 'list', '--json', ...args], opts);
    assert.equal(run.code, 0, run.stderr);
    return Object.fromEntries((JSON.parse(run.stdout).lineages as LineageJson[]).map((l) => [l.name, l]));
  }

  function keyFile(name: string, value: string): string {
    const p = join(dir(), name);
    writeFileSync(p, value + '\n', { mode: 0o600 });
    return p;
  }

  it('joins -vN key files and a _PREVIOUS pair; exactly one primary each, newest first in text', async () => {
    const v1 = keyFile('kek-v1.key', kek('kek-v1'));
    const v3 = keyFile('kek-v3.key', kek('kek-v3'));
    const v2 = keyFile('kek-v2.key', kek('kek-v2'));
    const env = { SECRETS_ENCRYPTION_KEY: kek('acme-main'), SECRETS_ENCRYPTION_KEY_PREVIOUS: kek('acme-old') };
    const refs = ['--key', `file:${v1}`, '--key', `file:${v3}`, '--key', `file:${v2}`, '--key', 'env:SECRETS_ENCRYPTION_KEY', '--key', 'env:SECRETS_ENCRYPTION_KEY_PREVIOUS'];
    const ls = await lineages(refs, { env });
    assert.deepEqual(Object.keys(ls).sort(), ['SECRETS_ENCRYPTION_KEY', 'kek']);
    assert.deepEqual(ls.kek.versions.map((v) => [v.version, v.role]), [['v1', 'decrypt-only'], ['v2', 'decrypt-only'], ['v3', 'primary']]);
    assert.equal(ls.kek.primary, `file:${v3}`);
    assert.deepEqual(ls.SECRETS_ENCRYPTION_KEY.versions.map((v) => [v.source, v.role]), [
      ['env:SECRETS_ENCRYPTION_KEY_PREVIOUS', 'decrypt-only'],
      ['env:SECRETS_ENCRYPTION_KEY', 'primary'],
    ]);

    const text = await runCli(['keys', 'list', ...refs], { env });
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('kek\t'));
    assert.match(lines[at], /^kek\t\(kek, by key id\)$/);
    assert.match(lines[at + 1], /^ {2}v3\tprimary\t/);
    assert.match(lines[at + 2], /^ {2}v2\tdecrypt-only\t/);
    assert.ok(!text.stdout.includes(env.SECRETS_ENCRYPTION_KEY.split(':')[1]), 'no key material printed');
  });

  it('"lineages" in .enclog.json joins what no rule covers and pins a primary; a stray member is a warning', async () => {
    const a = keyFile('alpha.key', randomBytes(32).toString('base64'));
    const b = keyFile('omega.key', randomBytes(32).toString('base64'));
    writeFileSync(
      join(dir(), '.enclog.json'),
      JSON.stringify({ keys: [`file:${a}`, `file:${b}`], lineages: [{ name: 'model-io', versions: [`file:${b}`, `file:${a}`, 'env:NOT_CONFIGURED'], primary: `file:${b}` }] }),
    );
    const run = await runCli(['keys', 'list', '--json'], { cwd: dir() });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { lineages: LineageJson[]; warnings: string[] };
    assert.equal(out.lineages.length, 1);
    assert.equal(out.lineages[0].rule, 'override');
    assert.equal(out.lineages[0].primary, `file:${b}`);
    assert.match(out.warnings.join('\n'), /"model-io": no configured key version matches "env:NOT_CONFIGURED"/);

    writeFileSync(join(dir(), '.enclog.json'), JSON.stringify({ keys: [`file:${a}`], lineages: { bad: true } }));
    const bad = await runCli(['keys', 'list'], { cwd: dir() });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"lineages" must be an array/);
  });

  it('plan and verify name each version by its lineage and role', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 12 });
    const [v1, v2] = fx.keySpecs.map((spec) => keyFile(`${spec.split(':')[0]}.key`, spec));
    const refs = ['--key', `file:${v1}`, '--key', `file:${v2}`];
    const plan = await runCli(['plan', fx.path, '--to', `file:${v2}`, ...refs]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, new RegExp(`kek-v1\\.key  \\[kek v1, decrypt-only\\]`));
    assert.match(plan.stdout, /would rewrite \d+ value\(s\) to .*kek-v2\.key  \[kek v2, primary\]/);
    const verify = await runCli(['verify', fx.path, '--primary', `file:${v1}`, ...refs]);
    assert.equal(verify.code, 3, 'half the values are on kek-v2');
    assert.match(verify.stderr, /is not its lineage's primary \(kek v1, decrypt-only\)/);
  });

  it('a new version continues the lineage: next key id across sources, next file in the same place', async () => {
    const v1 = keyFile('pay-v1.key', kek('pay-v1'));
    const env = { PAY_KEK: kek('pay-v4') };
    const run = await runCli(['rotate', '--source', `file:${v1}`, '--key', 'env:PAY_KEK'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /new kek version pay-v5 \(key id pay-v5\)/, 'continues after pay-v4 held by another source of the lineage');
    assert.ok(run.stderr.includes(join(dir(), 'pay-v5.key')), `names the next file: ${run.stderr}`);
    assert.match(run.stdout.trim().split('\n').pop() ?? '', /^pay-v5:[A-Za-z0-9+/]{43}=$/);
  });
});
