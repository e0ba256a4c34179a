/**
 * Where a rotation's target came from. A directory's config (`.enclog.json`) or a workspace's settings
 * may name keys to READ with; only the user's own word (a command-line flag, the user's settings, an
 * explicit choice in a confirmation) makes one the key a rotation writes to. Plans, dry runs and
 * confirmations show this record so the user sees whose word chose the target. Pure: no I/O.
 */
import { isAbsolute, relative, resolve } from 'node:path';

export interface TargetOrigin {
  /** The key source whose primary version is the target (or in which a new version is made). */
  ref: string;
  /** The target version's label and its version within the source, once loaded. */
  label?: string;
  version?: string;
  /** The user's word that named it: `--to`, `--source`, `your user settings`, … */
  namedBy: string;
  /** A config or settings file that lists the same source, when it is not the user's own. */
  listedIn?: string;
  /** For Vault sources: the address the key lives at, and who chose that address. */
  vaultAddress?: string;
  vaultAddressFrom?: string;
  /** What the user should know before writing to it (a key file inside a repository, …). */
  warnings: string[];
}

/** One line: `target: REF (primary version V), named by --to; also listed in FILE; Vault at A (from B)`. */
export function targetOriginText(o: TargetOrigin, what = 'primary version'): string {
  const parts = [`target: ${o.ref}${o.version ? ` (${what} ${o.version})` : ''}, named by ${o.namedBy}`];
  if (o.listedIn) parts.push(`also listed in ${o.listedIn}`);
  if (o.vaultAddress) parts.push(`Vault at ${o.vaultAddress} (${o.vaultAddressFrom ?? 'default address'})`);
  return parts.join('; ');
}

/** True when `file` (absolute, or relative to `dir`) lies inside `dir` (both already resolved, symlinks aside). */
export function isInside(file: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(dir, file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The warning for a key file that a repository (the directory of its config) holds: its author may know it. */
export function keyFileInRepoWarning(path: string, dir: string, configName: string, role: 'target key file' | 'key file'): string {
  return `the ${role} ${path} is inside ${dir}, the directory of its ${configName}: a file that came with a repository is known to whoever wrote it; rotate to a key of your own`;
}

/**
 * The modal confirmation of a rotation whose target the user picked (a Key Versions node, a quick pick):
 * names the target source, the settings that name it, the Vault address it lives at, and the warnings.
 */
export function rotationConfirmation(action: 'new-version' | 'reencrypt', o: TargetOrigin, files = 0): { message: string; detail: string } {
  const message = action === 'new-version' ? `Create a new key version in ${o.ref}?` : `Re-encrypt ${files} log(s) to ${o.ref} (its primary version)?`;
  const effect = action === 'new-version' ? 'The new version becomes the primary: new data is written with it.' : 'Every value of these logs will be readable with this key only.';
  const lines = [
    `${effect} Target chosen by ${o.namedBy}; the key source is named in ${o.listedIn ?? 'no settings (given by the caller)'}.`,
    ...(o.vaultAddress ? [`It lives in Vault at ${o.vaultAddress} (${o.vaultAddressFrom ?? 'default address'}).`] : []),
    ...o.warnings,
  ];
  return { message, detail: lines.join('\n') };
}
