import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEnvelopeLog } from '../fixtures/generate';
import { startVaultDouble, type VaultDouble } from '../support/vault-double';
import { jsonLines, runCli, type CliRun } from '../support/run-cli';
import { selfSignedCert, startForwardProxy, startProxy, startRecorder, startRedirector, type Listener, type TlsPair } from '../support/token-recorder';
import { useTmpDir } from '../support/tmp-dir';

/**
 * The attacks of issue 11 on the real `enclog` binary: every listener records every token it gets.
 * No case may deliver the user's token anywhere but the address the user set.
 */
describe('Vault token goes only where the user sent it (enclog, loopback recorders, Vault double)', function () {
  this.timeout(120000);
  const dir = useTmpDir('token-leaks');
  let vault: VaultDouble;
  let attacker: Listener;
  let tls: TlsPair;
  const listeners: Listener[] = [];
  const cases = { tried: 0, leaked: 0 };
  const KV = 'vault-kv:secret/enclog/kek';

  before(async () => {
    vault = await startVaultDouble();
    attacker = await startRecorder();
    tls = selfSignedCert();
    const client = require('node-vault')({ endpoint: vault.url, token: vault.token }) as { write(p: string, d: object): Promise<unknown> };
    await client.write('secret/data/enclog/kek', { data: { value: `kek-v1:${randomBytes(32).toString('base64')}` } });
  });
  after(async () => {
    console.log(`      token-leak cases tried: ${cases.tried}, tokens leaked: ${cases.leaked}`);
    await Promise.all([vault.close(), attacker.close(), ...listeners.map((l) => l.close())]);
  });

  /** A working directory holding a hostile `.enclog.json`. */
  function repo(name: string, config: object): string {
    const d = join(dir(), name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, '.enclog.json'), JSON.stringify(config));
    return d;
  }

  async function attack(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }, watch: Listener[] = [attacker]): Promise<CliRun> {
    const before = watch.map((l) => l.received.length);
    const run = await runCli(args, { cwd: opts.cwd ?? dir(), env: { VAULT_ADDR: '', VAULT_TOKEN: vault.token, ...opts.env } });
    const leaked = watch.reduce((n, l, i) => n + l.received.slice(before[i]).filter((r) => r.token === vault.token || r.body.includes(vault.token)).length, 0);
    cases.tried++;
    cases.leaked += leaked;
    assert.equal(leaked, 0, `token leaked: ${run.stderr}`);
    assert.ok(!run.stdout.includes(vault.token) && !run.stderr.includes(vault.token), 'token printed');
    return run;
  }

  it('.enclog.json naming another address: ignored with a warning naming it, VAULT_ADDR used', async () => {
    const cwd = repo('evil-1', { keys: [KV], vault: { address: attacker.url } });
    const run = await attack(['keys', 'list', '--json'], { cwd, env: { VAULT_ADDR: vault.url } });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`ignoring the Vault address "${attacker.url}"`));
    assert.equal(JSON.parse(run.stdout).keys.length, 1);
  });

  it('.enclog.json naming another address with no VAULT_ADDR, and with --key given: still never used', async () => {
    const cwd = repo('evil-2', { keys: [KV], vault: { address: attacker.url } });
    const a = await attack(['keys', 'list'], { cwd });
    assert.match(a.stderr, /a directory's config file does not choose where your Vault token goes/);
    assert.match(a.stderr, new RegExp(`enclog allow-vault-address "${attacker.url}"`));
    await attack(['keys', 'list', '--key', KV], { cwd });
    await attack(['decrypt', join(cwd, '.enclog.json'), '--key', 'vault-transit:transit/logs'], { cwd });
  });

  it('a consent is for one directory and one exact address: another address or directory is refused', async () => {
    const state = join(dir(), 'state-consent');
    const cwd = repo('consented', { keys: [KV], vault: { address: vault.url } });
    const wrong = await runCli(['allow-vault-address', attacker.url], { cwd, env: { ENCLOG_STATE_DIR: state } });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /nothing recorded/);
    const ok = await runCli(['allow-vault-address', vault.url], { cwd, env: { ENCLOG_STATE_DIR: state } });
    assert.equal(ok.code, 0, ok.stderr);
    const used = await attack(['keys', 'list', '--json'], { cwd, env: { ENCLOG_STATE_DIR: state } });
    assert.equal(used.code, 0, used.stderr);
    assert.match(used.stderr, new RegExp(`using the Vault address ${vault.url} from`));
    // the repository then changes its address: the consent no longer applies
    writeFileSync(join(cwd, '.enclog.json'), JSON.stringify({ keys: [KV], vault: { address: attacker.url } }));
    await attack(['keys', 'list'], { cwd, env: { ENCLOG_STATE_DIR: state } });
    // a copy of the consented repository elsewhere: no consent
    const copy = repo('copy-of-consented', { keys: [KV], vault: { address: vault.url } });
    const c = await attack(['keys', 'list'], { cwd: copy, env: { ENCLOG_STATE_DIR: state } });
    assert.match(c.stderr, /ignoring the Vault address/);
  });

  for (const status of [301, 302, 303, 307, 308]) {
    it(`a ${status} redirect to another port is not followed with the token`, async () => {
      const redirect = await startRedirector(attacker.url, status);
      listeners.push(redirect);
      const run = await attack(['keys', 'list', '--key', KV], { env: { VAULT_ADDR: redirect.url } });
      assert.equal(run.code, 3);
      assert.match(run.stderr, new RegExp(`redirected to ${attacker.url}: not followed`));
    });
  }

  it('a redirect within the same origin is followed (a standby behind the same address); one to another port is not', async () => {
    const standby = await startProxy(vault.url, { bounce: true });
    listeners.push(standby);
    const run = await attack(['keys', 'list', '--key', KV, '--json'], { env: { VAULT_ADDR: standby.url } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(standby.received.length >= 2, 'the 307 was followed to the same origin');
    const bounce = await startRedirector(standby.url, 307);
    listeners.push(bounce);
    const refused = await attack(['keys', 'list', '--key', KV], { env: { VAULT_ADDR: bounce.url } }, [standby, attacker]);
    assert.match(refused.stderr, /not followed/);
  });

  it('https -> http: a redirect from the TLS address to plain http is refused; the TLS address works with VAULT_CACERT', async () => {
    const httpsToHttp = await startRedirector(attacker.url, 307, { tls });
    listeners.push(httpsToHttp);
    const r = await attack(['keys', 'list', '--key', KV], { env: { VAULT_ADDR: httpsToHttp.url, VAULT_CACERT: tls.certPath } });
    assert.equal(httpsToHttp.received.length, 1, 'the https listener was reached (TLS verified through VAULT_CACERT)');
    assert.match(r.stderr, /not followed/);
    const secure = await startProxy(vault.url, { tls });
    listeners.push(secure);
    const ok = await attack(['keys', 'list', '--key', KV, '--json'], { env: { VAULT_ADDR: secure.url, VAULT_CACERT: tls.certPath } });
    assert.equal(ok.code, 0, ok.stderr);
    const capath = join(dir(), 'capath');
    mkdirSync(capath, { recursive: true });
    copyFileSync(tls.certPath, join(capath, 'vault-ca.pem'));
    const viaCapath = await attack(['keys', 'list', '--key', KV, '--json'], { env: { VAULT_ADDR: secure.url, VAULT_CAPATH: capath } });
    assert.equal(viaCapath.code, 0, viaCapath.stderr);
  });

  it('VAULT_SKIP_VERIFY=false and =0 keep verifying: an unverifiable server never sees the token', async () => {
    const mitm = await startProxy(vault.url, { tls });
    listeners.push(mitm);
    for (const skip of ['false', '0', 'F', '']) {
      const run = await attack(['keys', 'list', '--key', KV], { env: { VAULT_ADDR: mitm.url, VAULT_SKIP_VERIFY: skip } }, [mitm]);
      assert.equal(run.code, 3);
      assert.match(run.stderr, /cannot verify the TLS certificate of Vault .*VAULT_CACERT/);
    }
    assert.equal(mitm.received.length, 0);
    const bad = await attack(['keys', 'list', '--key', KV], { env: { VAULT_ADDR: mitm.url, VAULT_SKIP_VERIFY: 'yes' } }, [mitm]);
    assert.match(bad.stderr, /could not parse VAULT_SKIP_VERIFY/);
    assert.equal(mitm.received.length, 0);
    // the user's explicit choice still works, as with the vault CLI
    const skipped = await runCli(['keys', 'list', '--key', KV, '--json'], { env: { VAULT_ADDR: mitm.url, VAULT_TOKEN: vault.token, VAULT_SKIP_VERIFY: 'true' } });
    assert.equal(skipped.code, 0, skipped.stderr);
  });

  it('HTTPS_PROXY / VAULT_PROXY_ADDR: https goes through a CONNECT tunnel the proxy cannot read; loopback bypasses the standard variables', async () => {
    const proxy = await startForwardProxy();
    listeners.push(proxy);
    const secure = await startProxy(vault.url, { tls });
    listeners.push(secure);
    const port = new URL(secure.url).port;
    // 'localhost' is loopback: the standard proxy variables skip it (as the vault CLI does) ...
    const direct = await attack(['keys', 'list', '--key', KV, '--json'], { env: { VAULT_ADDR: `https://localhost:${port}`, VAULT_CACERT: tls.certPath, HTTPS_PROXY: proxy.url } }, [proxy]);
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(proxy.tunnels.length, 0);
    // ... VAULT_PROXY_ADDR applies to every address: a tunnel, and the proxy sees no request, no token
    const tunnelled = await attack(['keys', 'list', '--key', KV, '--json'], { env: { VAULT_ADDR: `https://localhost:${port}`, VAULT_CACERT: tls.certPath, VAULT_PROXY_ADDR: proxy.url } }, [proxy]);
    assert.equal(tunnelled.code, 0, tunnelled.stderr);
    assert.ok(proxy.tunnels.length > 0 && proxy.tunnels.every((t) => t === `localhost:${port}`), proxy.tunnels.join());
    assert.equal(proxy.received.length, 0);
    // plain http through the user's proxy: forwarded (the proxy is the user's choice; https is what hides the token)
    const before = proxy.received.length;
    const viaHttp = await runCli(['keys', 'list', '--key', KV, '--json'], { env: { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.token, VAULT_PROXY_ADDR: proxy.url } });
    assert.equal(viaHttp.code, 0, viaHttp.stderr);
    assert.ok(proxy.received.length > before && proxy.received.slice(before).every((r) => r.path.startsWith(`${vault.url}/v1/`)));
    // an unverifiable server behind the tunnel is still refused
    const unverified = await attack(['keys', 'list', '--key', KV], { env: { VAULT_ADDR: `https://localhost:${port}`, VAULT_PROXY_ADDR: proxy.url } }, [proxy, secure]);
    assert.match(unverified.stderr, /cannot verify the TLS certificate/);
  });

  it('plain http to a non-loopback host is used only with a warning', async () => {
    const run = await runCli(['keys', 'list', '--key', KV], { env: { VAULT_ADDR: 'http://192.0.2.1:1', VAULT_TOKEN: vault.token } , timeoutMs: 20000 });
    assert.match(run.stderr, /warning: the Vault address http:\/\/192\.0\.2\.1:1 uses plain http to a non-loopback host/);
    const local = await runCli(['keys', 'list', '--key', KV], { env: { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.token } });
    assert.doesNotMatch(local.stderr, /plain http/);
  });

  it('DEBUG=node-vault (and DEBUG=*) prints no DEK, key or token while transit unwraps', async () => {
    const deks: string[] = [];
    const client = require('node-vault')({ endpoint: vault.url, token: vault.token }) as { write(p: string, d: object): Promise<{ data: Record<string, unknown> }> };
    await client.write('transit/keys/logs', {});
    const fx = await generateEnvelopeLog(dir(), {
      entries: 12,
      fileName: 'transit.log',
      transit: {
        name: 'logs',
        wrapDek: async (dek) => {
          deks.push(dek.toString('base64'), dek.toString('hex'));
          return (await client.write('transit/encrypt/logs', { plaintext: dek.toString('base64') })).data.ciphertext as string;
        },
      },
    });
    for (const debug of ['node-vault', '*']) {
      const run = await attack(['decrypt', fx.path, '--json', '--key', 'vault-transit:transit/logs'], { env: { VAULT_ADDR: vault.url, DEBUG: debug } });
      const viaTransit = jsonLines(run.stdout).filter((r) => String(r.key).startsWith('vault-transit:'));
      assert.ok(viaTransit.length > 0 && viaTransit.every((r) => r.status === 'ok'), run.stderr);
      assert.ok(deks.length > 0);
      for (const d of deks) assert.ok(!run.stderr.includes(d), `DEBUG=${debug} printed a DEK`);
      assert.doesNotMatch(run.stderr, /batch_input|plaintext/);
    }
  });
});
