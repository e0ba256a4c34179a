import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KvEngine } from './kv-engine';
import { TransitEngine } from './transit-engine';
import { badRequest, unsupportedPath, VaultHttpError, type VaultReply } from './vault-error';

export { TOO_OLD } from './transit-engine';

export interface VaultDoubleOptions {
  /** Root token accepted in X-Vault-Token; default a random `hvs.` token. */
  token?: string;
  /** KV v2 mounts; default ['secret']. */
  kvMounts?: string[];
  /** Transit mounts; default ['transit']. */
  transitMounts?: string[];
  /** KV max_versions when a secret sets none; default 10, as Vault's. */
  maxVersions?: number;
  /** The AppRole auth method (mounted at `auth/<mount>`, default 'approle') with one role; ids default to random UUIDs. */
  approle?: { mount?: string; roleId?: string; secretId?: string; tokenTtlS?: number; policies?: string[] };
}

export interface IssuedToken {
  token: string;
  accessor: string;
  /** Epoch ms; 0 = never. */
  expiresAt: number;
  ttlS: number;
  renewable: boolean;
  policies: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  namespace?: string;
  status: number;
}

export interface VaultDouble {
  url: string;
  token: string;
  /** Every request answered (or still delayed), in arrival order. One entry = one HTTP round trip. */
  readonly requests: RecordedRequest[];
  seal(): void;
  unseal(): void;
  /** Every response waits this long first (0 = none), for timeout tests. */
  setDelay(ms: number): void;
  resetRequests(): void;
  /** The AppRole role the double accepts (`POST /v1/auth/<mount>/login`). */
  readonly approle: { mount: string; roleId: string; secretId: string; tokenTtlS: number };
  /** Tokens issued by logins, by token (the root token is not among them). */
  readonly issued: ReadonlyMap<string, IssuedToken>;
  /** Expires every issued token now (as if their TTL ran out): they get 403 from then on. */
  expireIssuedTokens(): void;
  close(): Promise<void>;
}

/**
 * A loopback stand-in for HashiCorp Vault's HTTP API v1 (no Vault server can be installed on this
 * project's machines): KV v2 and transit, with Vault's response and error shapes — `{"errors":[...]}`,
 * 403 "permission denied" for a bad or missing token, 404 `{"errors":[]}` for missing paths, 503
 * "Vault is sealed", 400 for bad input — plus the AppRole auth method (`auth/approle/login`; the
 * tokens it issues are accepted like the root token until they expire) and `auth/token/renew-self`,
 * and switches to seal it, to delay answers and to expire issued tokens.
 */
export async function startVaultDouble(opts: VaultDoubleOptions = {}): Promise<VaultDouble> {
  const token = opts.token ?? `hvs.${randomBytes(18).toString('base64url')}`;
  const kv = new Map((opts.kvMounts ?? ['secret']).map((m) => [m, new KvEngine(opts.maxVersions ?? 10)]));
  const transit = new Map((opts.transitMounts ?? ['transit']).map((m) => [m, new TransitEngine()]));
  const requests: RecordedRequest[] = [];
  const approle = {
    mount: opts.approle?.mount ?? 'approle',
    roleId: opts.approle?.roleId ?? randomUUID(),
    secretId: opts.approle?.secretId ?? randomUUID(),
    tokenTtlS: opts.approle?.tokenTtlS ?? 2764800,
    policies: opts.approle?.policies ?? ['default', 'enclog'],
  };
  const issued = new Map<string, IssuedToken>();
  let sealed = false;
  let delayMs = 0;

  /** The token a request presents, when the double knows it and it has not expired. */
  function authenticate(presented: unknown): { root: boolean; issued?: IssuedToken } | undefined {
    if (typeof presented !== 'string' || !presented) return undefined;
    if (presented === token) return { root: true };
    const t = issued.get(presented);
    if (!t) return undefined;
    if (t.expiresAt && t.expiresAt <= Date.now()) {
      issued.delete(presented);
      return undefined;
    }
    return { root: false, issued: t };
  }

  function tokenAuth(t: IssuedToken): Record<string, unknown> {
    return {
      client_token: t.token,
      accessor: t.accessor,
      policies: t.policies,
      token_policies: t.policies,
      metadata: { role_name: 'enclog' },
      lease_duration: t.ttlS,
      renewable: t.renewable,
      entity_id: '',
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    };
  }

  function approleLogin(method: string, body: Record<string, unknown>): VaultReply {
    if (method !== 'POST' && method !== 'PUT') throw unsupportedPath();
    if (typeof body.role_id !== 'string' || !body.role_id) throw badRequest('missing role_id');
    // Vault answers one message for a wrong role id and a wrong secret id alike.
    if (body.role_id !== approle.roleId || body.secret_id !== approle.secretId) throw badRequest('invalid role or secret ID');
    const t: IssuedToken = {
      token: `hvs.${randomBytes(18).toString('base64url')}`,
      accessor: randomBytes(12).toString('base64url'),
      expiresAt: approle.tokenTtlS ? Date.now() + approle.tokenTtlS * 1000 : 0,
      ttlS: approle.tokenTtlS,
      renewable: approle.tokenTtlS > 0,
      policies: [...approle.policies],
    };
    issued.set(t.token, t);
    return { data: null, auth: tokenAuth(t) };
  }

  function route(method: string, url: URL, body: Record<string, unknown>, presented: unknown): VaultReply {
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'v1') throw unsupportedPath();
    const [, first, ...rest] = parts;
    if (first === 'sys' && rest[0] === 'health') {
      return { status: sealed ? 503 : 200, data: { initialized: true, sealed, standby: false, version: '1.15.0-double' } };
    }
    if (sealed) throw new VaultHttpError(503, ['Vault is sealed']);
    // Login paths need no token (a token that is sent along is ignored).
    if (first === 'auth' && rest.join('/') === `${approle.mount}/login`) return approleLogin(method, body);
    const who = authenticate(presented);
    if (!who) throw new VaultHttpError(403, ['permission denied']);
    if (first === 'auth' && rest[0] === 'token' && rest[1] === 'renew-self' && rest.length === 2 && (method === 'POST' || method === 'PUT')) {
      if (who.root) return { data: null, auth: { client_token: token, accessor: 'root', policies: ['root'], token_policies: ['root'], lease_duration: 0, renewable: false, token_type: 'service', orphan: true } };
      const t = who.issued!;
      if (t.ttlS) t.expiresAt = Date.now() + t.ttlS * 1000;
      return { data: null, auth: tokenAuth(t) };
    }
    // Longest mount prefix wins, as in Vault's router.
    for (let n = parts.length - 1; n >= 2; n--) {
      const mount = parts.slice(1, n).join('/');
      const sub = parts.slice(n);
      const kvEngine = kv.get(mount);
      if (kvEngine && sub.length >= 1) return kvEngine.handle(method, sub[0], sub.slice(1).join('/'), url.searchParams, body);
      const transitEngine = transit.get(mount);
      if (transitEngine && sub.length >= 1) return transitEngine.handle(method, sub, body);
    }
    throw new VaultHttpError(403, ['1 error occurred:\n\t* permission denied\n\n']);
  }

  function send(res: ServerResponse, status: number, payload: unknown): void {
    if (payload === undefined) {
      res.writeHead(status).end();
      return;
    }
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
  }

  function envelope(data: unknown): Record<string, unknown> {
    return { request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const record: RecordedRequest = { method, path: url.pathname + url.search, status: 0 };
    const ns = req.headers['x-vault-namespace'];
    if (typeof ns === 'string') record.namespace = ns;
    requests.push(record);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    let status: number;
    let payload: unknown;
    try {
      let body: Record<string, unknown> = {};
      const raw = Buffer.concat(chunks).toString('utf8');
      if (raw.trim()) {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch (err) {
          throw badRequest(`failed to parse JSON input: ${(err as Error).message}`);
        }
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('failed to parse JSON input: not an object');
      }
      const reply = route(method, url, body, req.headers['x-vault-token']);
      const empty = reply.data === undefined && reply.auth === undefined;
      status = reply.status ?? (empty ? 204 : 200);
      payload = empty ? undefined : { ...envelope(reply.data ?? null), auth: reply.auth ?? null };
    } catch (err) {
      if (!(err instanceof VaultHttpError)) {
        status = 500;
        payload = { errors: [`1 error occurred:\n\t* ${(err as Error).message}\n\n`] };
      } else {
        status = err.status;
        payload = err.data === undefined ? { errors: err.errors } : { ...envelope(err.data), ...(err.errors.length ? { errors: err.errors } : {}) };
      }
    }
    record.status = status;
    if (!res.destroyed) send(res, status, payload);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    seal: () => void (sealed = true),
    unseal: () => void (sealed = false),
    setDelay: (ms) => void (delayMs = ms),
    resetRequests: () => void requests.splice(0),
    approle: { mount: approle.mount, roleId: approle.roleId, secretId: approle.secretId, tokenTtlS: approle.tokenTtlS },
    issued,
    expireIssuedTokens: () => {
      for (const t of issued.values()) t.expiresAt = 1;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
