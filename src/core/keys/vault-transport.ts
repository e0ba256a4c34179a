import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { VaultTls } from './vault-tls';

/** What node-vault passes to its request function (its `request-promise` hook). */
interface RequestOptions {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  json?: unknown;
  timeout?: number;
}

interface TransportResponse {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

export class VaultRedirectError extends Error {
  readonly code = 'EVAULTREDIRECT';
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`Vault at ${from} redirected to ${to}: not followed, the token goes only to the address you configured`);
    this.name = 'VaultRedirectError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_HOPS = 5;
/** Transit batch answers for big pages are large, but a hostile server must not grow the heap unbounded. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

/**
 * node-vault's HTTP layer, replaced (through its `request-promise` option) so that this project decides:
 * redirects are followed only within the configured origin (never to another host or port, never from
 * https to http, where the X-Vault-Token header would go along); TLS verification follows VAULT_CACERT /
 * VAULT_CAPATH / VAULT_SKIP_VERIFY as parsed by vaultTlsFromEnv; nothing is ever printed.
 */
export function vaultTransport(tlsOpts: VaultTls, env: NodeJS.ProcessEnv = process.env): { defaults(): (options: RequestOptions) => Promise<TransportResponse> } {
  const agent = new https.Agent({ rejectUnauthorized: tlsOpts.rejectUnauthorized, ...(tlsOpts.ca ? { ca: tlsOpts.ca } : {}) });
  const route: Route = { agent, tls: tlsOpts, env };
  const send = async (options: RequestOptions): Promise<TransportResponse> => {
    const origin = new URL(options.uri).origin;
    let url = new URL(options.uri);
    let method = options.method;
    let body = options.json !== undefined && typeof options.json === 'object' ? Buffer.from(JSON.stringify(options.json)) : undefined;
    for (let hop = 0; ; hop++) {
      const res = await once(url, method, options.headers ?? {}, body, options.timeout, route);
      const location = res.location;
      if (!REDIRECTS.has(res.statusCode) || !location) return { statusCode: res.statusCode, body: res.body, request: { path: url.pathname } };
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new VaultRedirectError(origin, 'an invalid Location');
      }
      if (next.origin !== origin) throw new VaultRedirectError(origin, next.origin);
      if (hop + 1 >= MAX_HOPS) throw Object.assign(new Error(`Vault at ${origin} redirected more than ${MAX_HOPS} times`), { code: 'EVAULTREDIRECT' });
      if (res.statusCode !== 307 && res.statusCode !== 308) {
        method = 'GET';
        body = undefined;
      }
      url = next;
    }
  };
  return { defaults: () => send };
}

interface RawResponse {
  statusCode: number;
  body: unknown;
  location?: string;
}

interface Route {
  agent: https.Agent;
  tls: VaultTls;
  env: NodeJS.ProcessEnv;
}

/**
 * The proxy for a Vault URL, as the vault CLI finds it: VAULT_PROXY_ADDR or VAULT_HTTP_PROXY, else
 * HTTPS_PROXY / HTTP_PROXY by scheme; NO_PROXY (host names, `.suffix`, `*`) bypasses the standard ones.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): URL | undefined {
  const vaultProxy = env.VAULT_PROXY_ADDR || env.VAULT_HTTP_PROXY;
  const std = url.protocol === 'https:' ? env.HTTPS_PROXY || env.https_proxy : env.HTTP_PROXY || env.http_proxy;
  // as Go's ProxyFromEnvironment (the vault CLI): loopback hosts never go through the standard proxies
  const loopback = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i.test(url.hostname);
  const chosen = vaultProxy || (std && !loopback && !noProxy(url, env.NO_PROXY ?? env.no_proxy ?? '') ? std : undefined);
  if (!chosen) return undefined;
  try {
    return new URL(chosen.includes('://') ? chosen : `http://${chosen}`);
  } catch {
    throw Object.assign(new Error('the proxy address in the environment is not a URL'), { code: 'EVAULTPROXY' });
  }
}

function noProxy(url: URL, list: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return list.split(',').map((e) => e.trim().toLowerCase().replace(/:\d+$/, '')).filter(Boolean).some((e) => e === '*' || host === e.replace(/^\./, '') || host.endsWith(e.startsWith('.') ? e : `.${e}`));
}

function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  return { 'Proxy-Authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` };
}

/** A CONNECT tunnel through the proxy to the Vault host: the proxy never sees the request (nor the token). */
function tunnel(proxy: URL, target: URL, timeoutMs: number | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const hostPort = `${target.hostname}:${target.port || 443}`;
    const req = (proxy.protocol === 'https:' ? https : http).request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: hostPort,
      headers: { Host: hostPort, ...proxyAuth(proxy) },
    });
    if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`timeout of ${timeoutMs} ms exceeded`), { code: 'ECONNABORTED' })));
    req.on('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(Object.assign(new Error(`the proxy ${proxy.host} refused the tunnel to ${hostPort} (${res.statusCode})`), { code: 'EVAULTPROXY' }));
      }
    });
    req.on('error', reject);
    req.end();
  });
}

async function once(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number | undefined, route: Route): Promise<RawResponse> {
  const proxy = proxyFor(url, route.env);
  if (!proxy) return exchange(url, method, headers, body, timeoutMs, { ...(url.protocol === 'https:' ? { agent: route.agent } : {}) });
  if (url.protocol === 'https:') {
    const socket = await tunnel(proxy, url, timeoutMs);
    const secure = tls.connect({ socket, servername: url.hostname, rejectUnauthorized: route.tls.rejectUnauthorized, ...(route.tls.ca ? { ca: route.tls.ca } : {}) });
    try {
      // no agent: the request goes over this one socket, closed after the answer
      return await exchange(url, method, headers, body, timeoutMs, { createConnection: () => secure });
    } finally {
      secure.destroy();
    }
  }
  // plain http through a proxy: the proxy sees the request, as the user's environment chose
  const via = new URL(url.href);
  return exchange(via, method, { ...headers, ...proxyAuth(proxy) }, body, timeoutMs, { host: proxy.hostname, port: proxy.port || 80, path: url.href, setHost: false, headersHost: url.host });
}

type ExchangeOptions = Partial<http.RequestOptions> & { headersHost?: string };

function exchange(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number | undefined, extra: ExchangeOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string | number> = { ...headers, Accept: 'application/json', ...(extra.headersHost ? { Host: extra.headersHost } : {}) };
    if (body) {
      h['Content-Type'] = 'application/json';
      h['Content-Length'] = body.length;
    }
    const { headersHost: _, ...rest } = extra;
    const opts = { method, headers: h, ...rest };
    const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!lib) return reject(Object.assign(new Error(`unsupported Vault address scheme ${url.protocol}`), { code: 'EVAULTSCHEME' }));
    let failure: Error | undefined;
    const fail = (err: Error): void => {
      failure ??= err;
      req.destroy();
    };
    const req = (extra.path !== undefined ? lib.request(opts, onResponse) : lib.request(url, opts, onResponse));
    function onResponse(res: http.IncomingMessage): void {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (failure) return;
        if (size > MAX_BODY_BYTES) {
          fail(Object.assign(new Error(`Vault answer larger than ${MAX_BODY_BYTES} bytes`), { code: 'EVAULTSIZE' }));
          reject(failure);
        } else chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text === '' ? undefined : text;
        try {
          if (text !== '') parsed = JSON.parse(text);
        } catch {
          /* non-JSON answer (a proxy's HTML page): kept as text for the status handling */
        }
        const location = res.headers.location;
        resolve({ statusCode: res.statusCode ?? 0, body: parsed, ...(location ? { location } : {}) });
      });
    }
    if (timeoutMs) req.setTimeout(timeoutMs, () => fail(Object.assign(new Error(`timeout of ${timeoutMs} ms exceeded`), { code: 'ECONNABORTED' })));
    req.on('error', (err) => reject(failure ?? err));
    req.end(body);
  });
}
