import http from 'node:http';
import https from 'node:https';
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
export function vaultTransport(tls: VaultTls): { defaults(): (options: RequestOptions) => Promise<TransportResponse> } {
  const agent = new https.Agent({ rejectUnauthorized: tls.rejectUnauthorized, ...(tls.ca ? { ca: tls.ca } : {}) });
  const send = async (options: RequestOptions): Promise<TransportResponse> => {
    const origin = new URL(options.uri).origin;
    let url = new URL(options.uri);
    let method = options.method;
    let body = options.json !== undefined && typeof options.json === 'object' ? Buffer.from(JSON.stringify(options.json)) : undefined;
    for (let hop = 0; ; hop++) {
      const res = await once(url, method, options.headers ?? {}, body, options.timeout, agent);
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

function once(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number | undefined, agent: https.Agent): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string | number> = { ...headers, Accept: 'application/json' };
    if (body) {
      h['Content-Type'] = 'application/json';
      h['Content-Length'] = body.length;
    }
    const opts = { method, headers: h, ...(url.protocol === 'https:' ? { agent } : {}) };
    const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!lib) return reject(Object.assign(new Error(`unsupported Vault address scheme ${url.protocol}`), { code: 'EVAULTSCHEME' }));
    let failure: Error | undefined;
    const fail = (err: Error): void => {
      failure ??= err;
      req.destroy();
    };
    const req = lib.request(url, opts, (res) => {
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
    });
    if (timeoutMs) req.setTimeout(timeoutMs, () => fail(Object.assign(new Error(`timeout of ${timeoutMs} ms exceeded`), { code: 'ECONNABORTED' })));
    req.on('error', (err) => reject(failure ?? err));
    req.end(body);
  });
}
