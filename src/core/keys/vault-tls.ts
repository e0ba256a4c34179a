import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** How the Vault client verifies the server, as the `vault` CLI reads it from its environment. */
export interface VaultTls {
  /** PEM CA certificates (VAULT_CACERT, else every file of VAULT_CAPATH); undefined = the system roots. */
  ca?: string[];
  /** false only when VAULT_SKIP_VERIFY parses as true. */
  rejectUnauthorized: boolean;
}

export class VaultConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultConfigError';
  }
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool, which the vault CLI applies to VAULT_SKIP_VERIFY: anything else is an error. */
export function parseGoBool(name: string, value: string): boolean {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new VaultConfigError(`could not parse ${name}: expected one of 1, t, true, 0, f, false (any case as Go accepts)`);
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function pemCerts(path: string, what: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new VaultConfigError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const certs = text.match(PEM_CERT);
  if (!certs) throw new VaultConfigError(`${what} ${path} holds no PEM certificate`);
  return certs;
}

/**
 * VAULT_CACERT (a PEM file) wins over VAULT_CAPATH (a directory of PEM files), as in the vault CLI;
 * with either, only those CAs are trusted. VAULT_SKIP_VERIFY is a Go boolean ("false" keeps verifying).
 */
export function vaultTlsFromEnv(env: NodeJS.ProcessEnv): VaultTls {
  const skip = env.VAULT_SKIP_VERIFY ? parseGoBool('VAULT_SKIP_VERIFY', env.VAULT_SKIP_VERIFY) : false;
  const tls: VaultTls = { rejectUnauthorized: !skip };
  if (env.VAULT_CACERT) tls.ca = pemCerts(env.VAULT_CACERT, 'VAULT_CACERT');
  else if (env.VAULT_CAPATH) {
    const dir = env.VAULT_CAPATH;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      throw new VaultConfigError(`cannot read VAULT_CAPATH ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const files = names.map((n) => join(dir, n)).filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile());
    tls.ca = files.flatMap((p) => pemCerts(p, 'VAULT_CAPATH file'));
    if (tls.ca.length === 0) throw new VaultConfigError(`VAULT_CAPATH ${dir} holds no certificate file`);
  }
  return tls;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** A warning for a Vault address that sends the token in clear text over a network; undefined when fine. */
export function plainHttpWarning(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || LOOPBACK.test(url.hostname)) return undefined;
  return `the Vault address ${url.origin} uses plain http to a non-loopback host: the token and key material cross the network unencrypted (use https)`;
}
