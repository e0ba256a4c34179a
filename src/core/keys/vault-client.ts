import { withDeadline } from './deadline';
import { KeySourceError } from './types';
import { vaultTlsFromEnv, VaultConfigError, type VaultTls } from './vault-tls';
import { vaultTransport } from './vault-transport';

export interface VaultOptions {
  /** Vault address; default VAULT_ADDR, else http://127.0.0.1:8200. */
  endpoint?: string;
  /** Default VAULT_TOKEN. */
  token?: string;
  /** Enterprise/HCP namespace (X-Vault-Namespace); default VAULT_NAMESPACE. */
  namespace?: string;
  /** Per request; every failure, including a hang, surfaces within this time (+ a small margin). Default 1500 ms. */
  timeoutMs?: number;
  /** Server verification; default from VAULT_CACERT / VAULT_CAPATH / VAULT_SKIP_VERIFY of `env`. */
  tls?: VaultTls;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_VAULT_TIMEOUT_MS = 1500;

/** The part of node-vault 0.12 used here. NEVER its rotate(): that rotates Vault's own barrier key. */
interface NodeVaultClient {
  token?: string;
  read(path: string, requestOptions?: object): Promise<VaultResponse>;
  write(path: string, data: object, requestOptions?: object): Promise<VaultResponse>;
}

export interface VaultResponse {
  data?: Record<string, unknown>;
  [k: string]: unknown;
}

interface NodeVaultError extends Error {
  response?: { statusCode?: number; body?: { errors?: string[]; data?: Record<string, unknown> } };
  code?: string;
}

/** A node-vault client bound to one source: errors become KeySourceErrors naming the source. */
export class VaultClient {
  readonly endpoint: string;
  readonly timeoutMs: number;
  private readonly client: NodeVaultClient;
  private readonly hasToken: boolean;
  /** A bad TLS setting (unparsable VAULT_SKIP_VERIFY, unreadable CA): every request fails with it. */
  private readonly configError: string | undefined;

  constructor(
    private readonly ref: string,
    opts: VaultOptions = {},
  ) {
    const env = opts.env ?? process.env;
    this.endpoint = (opts.endpoint ?? env.VAULT_ADDR ?? 'http://127.0.0.1:8200').replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_VAULT_TIMEOUT_MS;
    const token = opts.token ?? env.VAULT_TOKEN;
    this.hasToken = !!token;
    const namespace = opts.namespace ?? env.VAULT_NAMESPACE;
    let tls: VaultTls = { rejectUnauthorized: true };
    try {
      tls = opts.tls ?? vaultTlsFromEnv(env);
    } catch (err) {
      if (!(err instanceof VaultConfigError)) throw err;
      this.configError = err.message;
    }
    const factory = require('node-vault') as (config: object) => NodeVaultClient;
    this.client = factory({
      apiVersion: 'v1',
      endpoint: this.endpoint,
      pathPrefix: '',
      token,
      ...(namespace ? { namespace } : {}),
      requestOptions: { timeout: this.timeoutMs },
      // Our HTTP layer (redirects within the origin only, TLS as the vault CLI) and a silent debug
      // channel: node-vault's own prints request bodies (transit batch_input = plaintext DEKs) under DEBUG.
      'request-promise': vaultTransport(tls, env),
      debug: () => undefined,
    });
    // node-vault falls back to process.env.VAULT_TOKEN by itself: a client without a token sends none
    // (login requests must not carry some unrelated token).
    if (!token) this.client.token = undefined;
  }

  read(path: string, signal?: AbortSignal): Promise<VaultResponse> {
    return this.run('read', path, () => this.client.read(path), signal);
  }

  write(path: string, data: object, signal?: AbortSignal): Promise<VaultResponse> {
    return this.run('write', path, () => this.client.write(path, data), signal);
  }

  /**
   * An unauthenticated write to a login endpoint (`auth/<mount>/login`): needs no token. 400/403
   * (and old Vaults' 500 "invalid role_id") become 'denied' errors that never echo the request body.
   */
  login(path: string, data: object, signal?: AbortSignal): Promise<VaultResponse> {
    return this.run('login', path, () => this.client.write(path, data), signal, false);
  }

  /** For batch endpoints: Vault answers 400 when any item failed, with per-item errors in batch_results. */
  writeBatch(path: string, data: object, signal?: AbortSignal): Promise<VaultResponse> {
    return this.run('write', path, () => this.client.write(path, data).catch((err: unknown) => batchBody(err) ?? Promise.reject(err)), signal);
  }

  private async run(op: string, path: string, call: () => Promise<VaultResponse>, signal?: AbortSignal, needsToken = true): Promise<VaultResponse> {
    if (this.configError) throw new KeySourceError(this.ref, this.configError, 'invalid');
    if (needsToken && !this.hasToken) {
      throw new KeySourceError(this.ref, 'no Vault token: set VAULT_TOKEN or configure a token (log in first)', 'denied');
    }
    const margin = 250;
    try {
      return await withDeadline(call(), this.timeoutMs + margin, () => this.timeout(), signal);
    } catch (err) {
      throw this.translate(err as NodeVaultError, op, path);
    }
  }

  private timeout(): KeySourceError {
    return new KeySourceError(this.ref, `Vault at ${this.endpoint} did not answer within ${this.timeoutMs} ms`, 'timeout');
  }

  /** Maps node-vault/axios failures to readable KeySourceErrors; passes KeySourceError/CancelledError through. */
  translate(err: NodeVaultError, op: string, path: string): Error {
    if (err instanceof KeySourceError || err.name === 'CancelledError') return err;
    const status = err.response?.statusCode;
    const detail = err.response?.body?.errors?.filter(Boolean).join('; ');
    const where = `${op} ${path}`;
    if (op === 'login' && (status === 400 || status === 403 || (status === 500 && /invalid (role|secret)/i.test(detail ?? '')))) {
      return new KeySourceError(this.ref, `Vault denied the login at ${path} (${status}${detail ? `: ${detail}` : ''}): check the role id, the secret id and the AppRole mount`, 'denied');
    }
    if (status === 503) return new KeySourceError(this.ref, `Vault at ${this.endpoint} is sealed or unavailable (503${detail ? `: ${detail}` : ''})`, 'sealed');
    if (status === 403) {
      return new KeySourceError(this.ref, `permission denied by Vault for ${where} (403): check the token and its policy`, 'denied', 403);
    }
    if (status === 404) return new KeySourceError(this.ref, `not found in Vault: ${where} (404)`, 'not-found');
    if (status === 400) return new KeySourceError(this.ref, `Vault rejected ${where} (400${detail ? `: ${detail}` : ''})`, 'invalid');
    if (status !== undefined) return new KeySourceError(this.ref, `Vault answered ${status} to ${where}${detail ? `: ${detail}` : ''}`);
    const code = err.code ?? '';
    if (code === 'EVAULTREDIRECT') return new KeySourceError(this.ref, err.message, 'denied');
    if (TLS_CODES.test(code)) {
      return new KeySourceError(this.ref, `cannot verify the TLS certificate of Vault at ${this.endpoint} (${code}): set VAULT_CACERT or VAULT_CAPATH to its CA`, 'unavailable');
    }
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return this.timeout();
    if (code === 'ECONNREFUSED') return new KeySourceError(this.ref, `cannot connect to Vault at ${this.endpoint} (connection refused): is it running, is VAULT_ADDR right?`, 'unavailable');
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new KeySourceError(this.ref, `cannot resolve the Vault host in ${this.endpoint}`, 'unavailable');
    return new KeySourceError(this.ref, `Vault request ${where} failed: ${code ? `${code} ` : ''}${err.message}`, 'unavailable');
  }
}

const TLS_CODES = /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|CERT_UNTRUSTED|CERT_REJECTED)$/;

function batchBody(err: unknown): VaultResponse | undefined {
  const e = err as NodeVaultError;
  const body = e.response?.body;
  if (e.response?.statusCode === 400 && Array.isArray(body?.data?.batch_results)) return body as VaultResponse;
  return undefined;
}
