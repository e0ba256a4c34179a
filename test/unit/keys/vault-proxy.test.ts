import assert from 'node:assert/strict';
import { proxyFor } from '../../../src/core/keys/vault-transport';

describe('keys/vault-transport: which proxy a Vault URL uses (as the vault CLI)', () => {
  const u = (s: string) => new URL(s);
  it('HTTPS_PROXY / HTTP_PROXY by scheme; NO_PROXY names, suffixes and * bypass them; loopback never proxied', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'proxy2:8080', NO_PROXY: 'internal.example, .corp.example' };
    assert.equal(proxyFor(u('https://vault.example.com'), env)?.host, 'proxy:3128');
    assert.equal(proxyFor(u('http://vault.example.com'), env)?.href, 'http://proxy2:8080/');
    assert.equal(proxyFor(u('https://internal.example:8200'), env), undefined);
    assert.equal(proxyFor(u('https://vault.corp.example'), env), undefined);
    assert.equal(proxyFor(u('https://corp.example'), env), undefined);
    assert.equal(proxyFor(u('https://notcorp.example'), env)?.host, 'proxy:3128');
    assert.equal(proxyFor(u('https://vault.example.com'), { ...env, NO_PROXY: '*' }), undefined);
    for (const l of ['https://localhost:8200', 'http://127.0.0.1:8200', 'https://[::1]:8200']) assert.equal(proxyFor(u(l), env), undefined, l);
  });

  it('VAULT_PROXY_ADDR (or VAULT_HTTP_PROXY) applies to every address; no variable = no proxy', () => {
    assert.equal(proxyFor(u('https://localhost:8200'), { VAULT_PROXY_ADDR: 'http://p:1', NO_PROXY: '*' })?.host, 'p:1');
    assert.equal(proxyFor(u('https://vault.example.com'), { VAULT_HTTP_PROXY: 'http://q:2' })?.host, 'q:2');
    assert.equal(proxyFor(u('https://vault.example.com'), {}), undefined);
  });
});
