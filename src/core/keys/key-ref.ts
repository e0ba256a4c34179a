/**
 * Key refs name where a key lives. Syntax (one per source):
 *   env:NAME                      environment variable (value used raw, untrimmed)
 *   file:PATH                     key file (trimmed; refused if group/other may access it)
 *   keychain:SERVICE[/ACCOUNT]    OS keychain item written by keytar (service + account) or by the Rust
 *                                 `keyring` crate (service + username); without ACCOUNT every one is a version
 *   keyring:SERVICE/USERNAME      alias of keychain:SERVICE/USERNAME (kept for existing settings)
 *   vault-kv:MOUNT/PATH[#FIELD]   Vault KV v2 secret; every live version is a key version; FIELD defaults to `value`
 *   vault-transit:MOUNT/NAME      Vault transit key (never leaves Vault)
 * SERVICE is split from ACCOUNT/USERNAME at the first `/`; a KV MOUNT is the first path segment;
 * a transit NAME is the last one.
 */

export type KeyRef =
  | { type: 'env'; ref: string; name: string }
  | { type: 'file'; ref: string; path: string }
  | { type: 'keychain'; ref: string; service: string; account?: string }
  | { type: 'keyring'; ref: string; service: string; username: string }
  | { type: 'vault-kv'; ref: string; mount: string; path: string; field: string }
  | { type: 'vault-transit'; ref: string; mount: string; name: string };

export type KeyRefType = KeyRef['type'];

export const KEY_REF_SYNTAX = [
  'env:NAME',
  'file:PATH',
  'keychain:SERVICE[/ACCOUNT]',
  'keyring:SERVICE/USERNAME',
  'vault-kv:MOUNT/PATH[#FIELD]',
  'vault-transit:MOUNT/NAME',
];

export class KeyRefError extends Error {
  /** The ref as it may be shown: never a value that is or holds key material. */
  readonly input: string;
  constructor(input: string, reason: string) {
    const shown = showableRef(input);
    super(shown === undefined ? `invalid key ref (not shown): ${reason}` : `invalid key ref '${shown}': ${reason}`);
    this.input = shown ?? '(not shown)';
    this.name = 'KeyRefError';
  }
}

/**
 * Why `text` looks like key material rather than a location (base64 or hex of 24+ random-looking
 * bytes, as a KEK string `<id>:<base64>` holds); undefined when it does not.
 */
export function keyMaterialIn(text: string): string | undefined {
  if (/[0-9a-fA-F]{48,}/.test(text)) return 'it holds a long hexadecimal string';
  for (const run of text.match(/[A-Za-z0-9+/_-]{32,}={0,2}/g) ?? []) {
    const body = run.replace(/=+$/, '');
    if (randomLooking(body, 0.35)) return 'it holds a long base64 string';
    // A 32-byte key in base64/base64url is 43 characters (a KEK string, `openssl rand -base64 32`),
    // maybe after or before a path segment (`secret/<key>`): judged more leniently.
    const slashes = [-1, ...[...body.matchAll(/\//g)].map((m) => m.index ?? 0), body.length];
    for (let i = 0; i < slashes.length; i++) {
      for (const piece of [body.slice(slashes[i] + 1), body.slice(0, slashes[i])]) {
        if (piece.length === 43 && randomLooking(piece, 0.2)) return 'it holds a base64 key';
      }
    }
  }
  return undefined;
}

/** Base64 of random bytes mixes upper and lower case (a lowercase GUID or hex name does not) and switches class often. */
function randomLooking(run: string, minSwitchRate: number): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && classSwitches(run) >= minSwitchRate * (run.length - 1);
}

/**
 * How often neighbouring letters/digits switch between upper, lower and digit: about 0.6 per character
 * in random base64, rare in names and paths (`/tmp/enclog-rot-unit-b49IoI/old0.key`: 5 in 36; a macOS temp path 0.34 per character).
 */
function classSwitches(run: string): number {
  const cls = (c: string): number => (c >= 'A' && c <= 'Z' ? 1 : c >= 'a' && c <= 'z' ? 2 : c >= '0' && c <= '9' ? 3 : 0);
  let n = 0;
  for (let i = 1; i < run.length; i++) {
    const a = cls(run[i - 1]);
    const b = cls(run[i]);
    if (a && b && a !== b) n++;
  }
  return n;
}

/** The ref as it may appear in messages: undefined when it holds key material or names no known scheme. */
function showableRef(input: string): string | undefined {
  if (keyMaterialIn(input)) return undefined;
  const scheme = /^\s*([a-z-]+):/.exec(input)?.[1];
  return scheme && KEY_REF_SYNTAX.some((s) => s.startsWith(`${scheme}:`)) ? input : undefined;
}

/** Refuses a ref that is or contains key material, with a message that does not repeat it. */
function refuseKeyMaterial(input: string): void {
  const why = keyMaterialIn(input);
  if (why) throw new KeyRefError(input, `${why}: that looks like key material; give where the key lives (env:NAME, file:PATH, keychain:...), never the key itself`);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SEGMENT = /^[^/#?\s]+$/;

function splitFirst(s: string, sep: string): [string, string | undefined] {
  const at = s.indexOf(sep);
  return at < 0 ? [s, undefined] : [s.slice(0, at), s.slice(at + sep.length)];
}

function vaultSegments(input: string, rest: string, what: string): string[] {
  const parts = rest.replace(/^\/+/, '').replace(/\/+$/, '').split('/');
  if (parts.length < 2) throw new KeyRefError(input, `expected ${what}`);
  for (const p of parts) {
    if (!SEGMENT.test(p) || p === '.' || p === '..') {
      throw new KeyRefError(input, `bad path segment '${p}' (no empty, '.', '..', '#', '?' or whitespace segments)`);
    }
  }
  return parts;
}

/** Parses a key ref; throws KeyRefError with the expected syntax on anything else. */
export function parseKeyRef(input: string): KeyRef {
  refuseKeyMaterial(input);
  const text = input.trim();
  const [scheme, rest] = splitFirst(text, ':');
  if (rest === undefined) {
    throw new KeyRefError(input, `missing scheme; expected one of ${KEY_REF_SYNTAX.join(', ')}`);
  }
  if (rest === '') throw new KeyRefError(input, `nothing after '${scheme}:'`);
  switch (scheme) {
    case 'env': {
      if (!ENV_NAME.test(rest)) throw new KeyRefError(input, 'what follows env: is not an environment variable name');
      return { type: 'env', ref: `env:${rest}`, name: rest };
    }
    case 'file':
      return { type: 'file', ref: `file:${rest}`, path: rest };
    case 'keychain': {
      const [service, account] = splitFirst(rest, '/');
      if (!service) throw new KeyRefError(input, 'empty SERVICE; expected keychain:SERVICE[/ACCOUNT]');
      if (account === undefined) return { type: 'keychain', ref: `keychain:${service}`, service };
      if (!account) throw new KeyRefError(input, 'empty ACCOUNT after "/"; expected keychain:SERVICE[/ACCOUNT]');
      return { type: 'keychain', ref: `keychain:${service}/${account}`, service, account };
    }
    case 'keyring': {
      const [service, username] = splitFirst(rest, '/');
      if (!service || !username) throw new KeyRefError(input, 'expected keyring:SERVICE/USERNAME (both required)');
      return { type: 'keyring', ref: `keyring:${service}/${username}`, service, username };
    }
    case 'vault-kv': {
      const [pathPart, fieldPart] = splitFirst(rest, '#');
      if (fieldPart !== undefined && !fieldPart) throw new KeyRefError(input, 'empty FIELD after "#"');
      const parts = vaultSegments(input, pathPart, 'vault-kv:MOUNT/PATH[#FIELD]');
      const mount = parts[0];
      const path = parts.slice(1).join('/');
      const field = fieldPart ?? 'value';
      return { type: 'vault-kv', ref: `vault-kv:${mount}/${path}${field === 'value' ? '' : `#${field}`}`, mount, path, field };
    }
    case 'vault-transit': {
      const parts = vaultSegments(input, rest, 'vault-transit:MOUNT/NAME');
      const name = parts[parts.length - 1];
      const mount = parts.slice(0, -1).join('/');
      return { type: 'vault-transit', ref: `vault-transit:${mount}/${name}`, mount, name };
    }
    default:
      throw new KeyRefError(input, `unknown scheme '${scheme}'; expected one of ${KEY_REF_SYNTAX.join(', ')}`);
  }
}
