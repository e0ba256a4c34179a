import { VaultClient, type VaultOptions } from './vault-client';
import { KeySourceError } from './types';

export interface AppRoleLoginOptions extends Pick<VaultOptions, 'endpoint' | 'namespace' | 'timeoutMs' | 'env'> {
  /** Where the AppRole auth method is mounted; default 'approle'. */
  mount?: string;
  roleId: string;
  /** The credential: never logged, never put into an error message. */
  secretId: string;
  signal?: AbortSignal;
}

export interface AppRoleLogin {
  token: string;
  /** The token's TTL in seconds (0 = no expiry). */
  leaseDurationS: number;
  renewable: boolean;
  /** The token accessor: safe to log (it cannot be used to read secrets). */
  accessor?: string;
  policies: string[];
}

/**
 * Logs in with Vault's AppRole auth method: `POST /v1/auth/<mount>/login {role_id, secret_id}` and
 * returns the issued client token. Failures are KeySourceErrors (ref `vault-approle:<mount>`), as
 * for the other Vault calls: a bad role/secret id pair is 'denied', a sealed Vault 'sealed', a Vault
 * that is down 'unavailable', one that hangs 'timeout' (default 1500 ms + a small margin).
 */
export async function approleLogin(opts: AppRoleLoginOptions): Promise<AppRoleLogin> {
  const mount = (opts.mount ?? 'approle').trim().replace(/^\/+|\/+$/g, '') || 'approle';
  const ref = `vault-approle:${mount}`;
  if (!opts.roleId?.trim()) throw new KeySourceError(ref, 'no AppRole role id configured', 'denied');
  if (!opts.secretId) throw new KeySourceError(ref, 'no AppRole secret id stored (set it first)', 'denied');
  const client = new VaultClient(ref, {
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    token: '',
  });
  const res = await client.login(`auth/${mount}/login`, { role_id: opts.roleId.trim(), secret_id: opts.secretId }, opts.signal);
  const auth = (res.auth ?? undefined) as
    | { client_token?: unknown; lease_duration?: unknown; renewable?: unknown; accessor?: unknown; policies?: unknown }
    | undefined;
  if (!auth || typeof auth.client_token !== 'string' || !auth.client_token) {
    throw new KeySourceError(ref, `Vault answered the login at auth/${mount}/login without a client token`, 'invalid');
  }
  const out: AppRoleLogin = {
    token: auth.client_token,
    leaseDurationS: Number(auth.lease_duration ?? 0) || 0,
    renewable: auth.renewable === true,
    policies: Array.isArray(auth.policies) ? auth.policies.filter((p): p is string => typeof p === 'string') : [],
  };
  if (typeof auth.accessor === 'string' && auth.accessor) out.accessor = auth.accessor;
  return out;
}
