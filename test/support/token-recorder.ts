import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttp, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One request a listener received: the token it carried (header or anywhere in the body). */
export interface Received {
  method: string;
  path: string;
  token?: string;
  body: string;
}

export interface Listener {
  url: string;
  received: Received[];
  /** Requests that carried `token` (in X-Vault-Token or in the body). */
  leaks(token: string): Received[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

function recording(received: Received[], handler: Handler) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const token = req.headers['x-vault-token'];
      received.push({ method: req.method ?? '', path: req.url ?? '', ...(typeof token === 'string' ? { token } : {}), body: body.toString('utf8') });
      handler(req, res, body);
    });
  };
}

async function listen(server: Server, scheme: 'http' | 'https', received: Received[]): Promise<Listener> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    received,
    leaks: (token) => received.filter((r) => r.token === token || r.body.includes(token)),
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

const denied: Handler = (_req, res) => {
  res.writeHead(403, { 'Content-Type': 'application/json' });
  res.end('{"errors":["permission denied"]}');
};

/** An attacker's listener: records everything, answers 403 as Vault would. */
export function startRecorder(): Promise<Listener> {
  const received: Received[] = [];
  return listen(createHttp(recording(received, denied)), 'http', received);
}

/** Answers every request with `status` and a Location built from the request path (`to` + path). */
export function startRedirector(to: string, status = 307, opts: { tls?: TlsPair } = {}): Promise<Listener> {
  const received: Received[] = [];
  const handler: Handler = (req, res) => {
    res.writeHead(status, { Location: `${to}${req.url ?? '/'}` });
    res.end();
  };
  return opts.tls ? listen(createHttps({ key: opts.tls.key, cert: opts.tls.cert }, recording(received, handler)), 'https', received) : listen(createHttp(recording(received, handler)), 'http', received);
}

/**
 * Forwards every request to `target` (an http Vault double), over TLS when given a certificate; with
 * `bounce`, every other request is first answered 307 to itself (as a Vault standby behind the same address).
 */
export function startProxy(target: string, opts: { tls?: TlsPair; bounce?: boolean } = {}): Promise<Listener> {
  const received: Received[] = [];
  let n = 0;
  const handler: Handler = (req, res, body) => {
    if (opts.bounce && n++ % 2 === 0) {
      res.writeHead(307, { Location: req.url ?? '/' });
      res.end();
      return;
    }
    const fwd = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    fwd.on('error', () => res.writeHead(502).end());
    fwd.end(body);
  };
  return opts.tls ? listen(createHttps({ key: opts.tls.key, cert: opts.tls.cert }, recording(received, handler)), 'https', received) : listen(createHttp(recording(received, handler)), 'http', received);
}

export interface TlsPair {
  key: Buffer;
  cert: Buffer;
  /** The certificate file, for VAULT_CACERT. */
  certPath: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with the machine's openssl. */
export function selfSignedCert(): TlsPair {
  const dir = mkdtempSync(join(tmpdir(), 'enclog-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), certPath };
}

export interface ProxyListener extends Listener {
  /** `host:port` of every CONNECT tunnel asked for. */
  tunnels: string[];
}

/**
 * A forward proxy: CONNECT tunnels (recorded by target; what passes through is TLS it cannot read)
 * and plain-http forwarding (recorded with the token it saw, like any listener).
 */
export async function startForwardProxy(): Promise<ProxyListener> {
  const received: Received[] = [];
  const tunnels: string[] = [];
  const open = new Set<import('node:net').Socket>();
  const server = createHttp(
    recording(received, (req, res, body) => {
      const fwd = request(req.url ?? '', { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      fwd.on('error', () => res.writeHead(502).end());
      fwd.end(body);
    }),
  );
  server.on('connect', (req: IncomingMessage, client: import('node:net').Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    open.add(client);
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    open.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const l = await listen(server, 'http', received);
  // tunnelled sockets are not the server's connections any more: closed here
  return { ...l, tunnels, close: () => { for (const s of open) s.destroy(); return l.close(); } };
}
