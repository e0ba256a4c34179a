import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../core/rotation/state';

/**
 * The user's consent to use the Vault address a directory's `.enclog.json` names: kept outside that
 * directory (in the state dir, mode 0600), by the directory's real path and the exact address, so a
 * changed address or a copied repository needs a new consent.
 */
interface ConsentFile {
  version: 1;
  allowed: Record<string, { address: string; at: string }>;
}

function consentPath(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'vault-address-consent.json');
}

function readConsents(env: NodeJS.ProcessEnv): ConsentFile {
  try {
    const parsed = JSON.parse(readFileSync(consentPath(env), 'utf8')) as Partial<ConsentFile>;
    if (parsed && typeof parsed.allowed === 'object' && parsed.allowed !== null) return { version: 1, allowed: parsed.allowed };
  } catch {
    /* none yet, or unreadable: no consent */
  }
  return { version: 1, allowed: {} };
}

function dirKey(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

export function consentedAddress(dir: string, address: string, env: NodeJS.ProcessEnv = process.env): { at: string } | undefined {
  const c = readConsents(env).allowed[dirKey(dir)];
  return c && c.address === address ? { at: c.at } : undefined;
}

/** Records (or with `address` undefined, withdraws) the consent for `dir`. Returns the file written. */
export function recordConsent(dir: string, address: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const file = consentPath(env);
  const consents = readConsents(env);
  if (address === undefined) delete consents.allowed[dirKey(dir)];
  else consents.allowed[dirKey(dir)] = { address, at: new Date().toISOString() };
  mkdirSync(stateDir(env), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(consents, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}
