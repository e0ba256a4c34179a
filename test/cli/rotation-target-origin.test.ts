import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEnvelopeLog, type EnvelopeFixture } from '../fixtures/generate';
import { startVaultDouble, type VaultDouble } from '../support/vault-double';
import { jsonLines, runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

/**
 * Red team: a cloned repository's `.enclog.json` (its "keys", "lineages" and Vault address) is not the
 * user's word. It may name keys to READ with, but it must never choose the key a rotation writes to,
 * nor the server a new key goes to; and plan / dry run say where the target came from.
 */
describe('rotation target: a hostile .enclog.json never chooses it', function () {
  this.timeout(120000);
  const dir = useTmpDir('cli-target-origin');
  let fx: EnvelopeFixture;
  let repo: string;
  let userV2: string;
  let state: string;

  const writeKey = (path: string, value: string): string => {
    writeFileSync(path, value + '\n', { mode: 0o600 });
    return `file:${path}`;
  };

  before(async () => {
    // The user's keys live outside the repository; the repository carries a key its author knows.
    const home = join(dir(), 'home');
    repo = join(dir(), 'cloned-repo');
    mkdirSync(home);
    mkdirSync(join(repo, 'keys'), { recursive: true });
    fx = await generateEnvelopeLog(repo, { entries: 20, fileName: 'app.encrypted.log' });
    const userV1 = writeKey(join(home, 'kek-v1.key'), fx.keySpecs[0]!);
    userV2 = writeKey(join(home, 'kek-v2.key'), fx.keySpecs[1]!);
    writeKey(join(repo, 'keys', 'kek-v9.key'), `kek-v9:${randomBytes(32).toString('base64')}`);
    writeFileSync(
      join(repo, '.enclog.json'),
      JSON.stringify({
        keys: [userV1, userV2, 'file:./keys/kek-v9.key'],
        lineages: [{ name: 'kek', versions: [userV1, userV2, 'file:./keys/kek-v9.key'], primary: 'file:./keys/kek-v9.key' }],
      }),
    );
    state = join(dir(), 'state');
  });

  it('the lineage the repository pins shows its key as primary, but re-encryption goes only where --to says', async () => {
    const ls = await runCli(['keys', 'list', '--json'], { cwd: repo, env: { ENCLOG_STATE_DIR: state } });
    assert.equal(ls.code, 0, ls.stderr);
    assert.equal(JSON.parse(ls.stdout).lineages[0].primary, 'file:./keys/kek-v9.key', 'reading: the pin applies');
    const run = await runCli(['reencrypt', fx.path, '--to', userV2, '--json', '--quiet'], { cwd: repo, env: { ENCLOG_STATE_DIR: state } });
    assert.equal(run.code, 0, run.stderr);
    const [report] = jsonLines(run.stdout);
    assert.equal(report!.target, userV2);
    assert.equal(report!.status, 'rotated');
    assert.ok(!readFileSync(fx.path, 'utf8').includes('"kek-v9"'), 'nothing was wrapped under the repository\'s key');
  });

  it('keys list names the pin\'s origin: a primary pinned by .enclog.json is marked as the directory\'s word', async () => {
    const ls = await runCli(['keys', 'list'], { cwd: repo, env: { ENCLOG_STATE_DIR: state } });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /v9\tprimary \(pinned by .*\.enclog\.json\)\t/);
  });

  it('plan and the dry run say where the target came from, and warn about a target key file inside the repository', async () => {
    const plan = await runCli(['plan', fx.path, '--to', 'file:./keys/kek-v9.key', '--json'], { cwd: repo, env: { ENCLOG_STATE_DIR: state } });
    assert.equal(plan.code, 0, plan.stderr);
    const origin = JSON.parse(plan.stdout).targetOrigin;
    assert.equal(origin.ref, 'file:./keys/kek-v9.key');
    assert.equal(origin.namedBy, '--to');
    assert.equal(origin.listedIn, join(repo, '.enclog.json'));
    assert.match(origin.warnings.join('\n'), /inside .*cloned-repo, the directory of its \.enclog\.json/);
    const text = await runCli(['plan', fx.path, '--to', 'file:./keys/kek-v9.key'], { cwd: repo, env: { ENCLOG_STATE_DIR: state } });
    assert.match(text.stdout, /^target: file:\.\/keys\/kek-v9\.key \(primary version kek-v9\), named by --to; also listed in .*\.enclog\.json$/m);
    assert.match(text.stderr, /warning: the target key file .*kek-v9\.key is inside/);
    const dry = await runCli(['reencrypt', fx.path, '--to', 'file:./keys/kek-v9.key', '--dry-run'], { cwd: repo, env: { ENCLOG_STATE_DIR: state } });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^target: file:\.\/keys\/kek-v9\.key \(primary version kek-v9\), named by --to; also listed in /m);
    const user = await runCli(['plan', fx.path, '--to', userV2], { cwd: repo, env: { ENCLOG_STATE_DIR: state } });
    assert.ok(!/warning: the target key file/.test(user.stderr), 'the user\'s own key file outside the repository: no warning');
  });

  it('rotate --source on a key file inside the repository warns that the new key would be written there', async () => {
    const run = await runCli(['rotate', '--source', 'file:./keys/kek-v9.key'], { cwd: repo, env: { ENCLOG_STATE_DIR: state } });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: the key file .*kek-v9\.key is inside .*cloned-repo, the directory of its \.enclog\.json/);
  });

  describe('a Vault address the repository names (consented for reading)', () => {
    let vault: VaultDouble;
    let vrepo: string;
    let log: EnvelopeFixture;
    const KV = 'vault-kv:secret/enclog/kek';

    before(async () => {
      vault = await startVaultDouble();
      const client = require('node-vault')({ endpoint: vault.url, token: vault.token }) as { write(p: string, d: object): Promise<unknown> };
      await client.write('secret/data/enclog/kek', { data: { value: `kek-v7:${randomBytes(32).toString('base64')}` } });
      vrepo = join(dir(), 'vault-repo');
      mkdirSync(vrepo);
      log = await generateEnvelopeLog(vrepo, { entries: 10, fileName: 'v.encrypted.log' });
      writeFileSync(join(vrepo, '.enclog.json'), JSON.stringify({ keys: [KV], vault: { address: vault.url } }));
      const ok = await runCli(['allow-vault-address', vault.url], { cwd: vrepo, env: { ENCLOG_STATE_DIR: state } });
      assert.equal(ok.code, 0, ok.stderr);
    });
    after(() => vault.close());

    const env = () => ({ ENCLOG_STATE_DIR: state, VAULT_ADDR: '', VAULT_TOKEN: vault.token });
    const writes = () => vault.requests.filter((r) => r.method !== 'GET' && r.path.includes('secret/')).length;

    it('reading through it works (the consent)', async () => {
      const run = await runCli(['keys', 'list', '--json'], { cwd: vrepo, env: env() });
      assert.equal(run.code, 0, run.stderr);
    });

    it('rotate --source vault-kv:… does not write a new key to it: VAULT_ADDR, the user\'s own word, is needed', async () => {
      const before = writes();
      const run = await runCli(['rotate', '--source', KV], { cwd: vrepo, env: env() });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`the Vault address ${vault.url} comes from .*\\.enclog\\.json.*set VAULT_ADDR=${vault.url}`));
      assert.equal(writes(), before, 'nothing written to the repository\'s Vault');
      const mine = await runCli(['rotate', '--source', KV], { cwd: vrepo, env: { ...env(), VAULT_ADDR: vault.url } });
      assert.equal(mine.code, 0, mine.stderr);
      assert.ok(writes() > before);
    });

    it('a Vault namespace the repository names does not choose where rotate writes under the user\'s own VAULT_ADDR', async () => {
      const nsRepo = join(dir(), 'namespace-repo');
      mkdirSync(nsRepo);
      writeFileSync(join(nsRepo, '.enclog.json'), JSON.stringify({ keys: [KV], vault: { namespace: 'their-team' } }));
      const before = writes();
      const run = await runCli(['rotate', '--source', KV], { cwd: nsRepo, env: { ...env(), VAULT_ADDR: vault.url } });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /the Vault namespace "their-team" comes from .*\.enclog\.json.*set VAULT_NAMESPACE=their-team/);
      assert.equal(writes(), before);
    });

    it('reencrypt --to vault-kv:… does not wrap the log\'s keys under a key fetched from it; plan says where it came from', async () => {
      const keyArgs = log.keySpecs.map((s, i) => {
        const p = join(vrepo, `k${i}.key`);
        writeFileSync(p, s + '\n', { mode: 0o600 });
        return ['--key', `file:${p}`];
      }).flat();
      const before = readFileSync(log.path);
      const run = await runCli(['reencrypt', log.path, '--to', KV, ...keyArgs], { cwd: vrepo, env: env() });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /comes from .*\.enclog\.json/);
      assert.deepEqual(readFileSync(log.path), before);
      const plan = await runCli(['plan', log.path, '--to', KV, ...keyArgs, '--json'], { cwd: vrepo, env: env() });
      assert.equal(plan.code, 0, plan.stderr);
      const origin = JSON.parse(plan.stdout).targetOrigin;
      assert.equal(origin.vaultAddress, vault.url);
      assert.match(origin.vaultAddressFrom, /\.enclog\.json \(allowed for this directory/);
      assert.match(origin.warnings.join('\n'), /a rotation to it needs your own word: set VAULT_ADDR/);
    });
  });
});
