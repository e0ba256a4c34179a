/**
 * The policy rules: each a small pure function from what was seen (a line's values, a key version,
 * a file mode) to a hit with a rule id, severity, a message and what to do. The scanner aggregates
 * hits per file and rule (first line, count).
 */
import { CURRENT_SYMBIONT_KDF, symbiontKdfParams } from '../crypto/argon2';
import { isEnvelopeValue, TRANSIT_KEY_ID_PREFIX } from '../formats/envelope';
import { isPlainObject } from '../formats/record-base';
import { isSymbiontEncryptedData } from '../formats/symbiont';
import { TRANSIT_VALUE } from '../formats/transit-jsonl';
import type { EnvelopeValue, KeyVersionInfo, SymbiontEncryptedData } from '../model';
import type { KeyMeta, TransitMeta } from './key-meta';
import type { AgedKey, KeyVolume, PolicyConfig, RuleId, Severity } from './model';

/** One occurrence; `group` keeps different causes of the same rule apart when aggregating. */
export interface Hit {
  rule: RuleId;
  severity: Severity;
  group: string;
  message: string;
  fix: string;
  key?: string;
  sourceRef?: string;
}

// ------------------------------------------------------------------ values in a line

export type FoundValue =
  | { kind: 'symbiont'; path: string; data: SymbiontEncryptedData }
  | { kind: 'envelope'; path: string; data: EnvelopeValue }
  | { kind: 'transit'; path: string; version: number };

export interface LineValues {
  encrypted: FoundValue[];
  /** JSON paths of LLM fields (prompt/response/content/messages/completion) holding plaintext. */
  plaintextLlm: string[];
}

/** Field names that carry model input/output in LLM logs. */
export const LLM_FIELDS = new Set(['prompt', 'prompts', 'response', 'content', 'messages', 'completion', 'completions']);
const MAX_DEPTH = 12;

const isTransitString = (s: string) => TRANSIT_VALUE.test(s);

/** True when `v` holds readable text: a non-empty string that is not a ciphertext, at any depth. */
export function holdsPlaintext(v: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (typeof v === 'string') return v.trim() !== '' && !isTransitString(v);
  if (Array.isArray(v)) return v.some((x) => holdsPlaintext(x, depth + 1));
  if (isPlainObject(v)) {
    if (isSymbiontEncryptedData(v) || isEnvelopeValue(v)) return false;
    return Object.values(v).some((x) => holdsPlaintext(x, depth + 1));
  }
  return false;
}

/** Walks one parsed line: every encrypted value (Symbiont, envelope, transit) and every plaintext LLM field. */
export function lineValues(root: unknown): LineValues {
  const out: LineValues = { encrypted: [], plaintextLlm: [] };
  const walk = (v: unknown, path: string, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (typeof v === 'string') {
      const m = TRANSIT_VALUE.exec(v);
      if (m) out.encrypted.push({ kind: 'transit', path, version: Number(m[1]) });
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
      return;
    }
    if (!isPlainObject(v)) return;
    if (isSymbiontEncryptedData(v)) {
      out.encrypted.push({ kind: 'symbiont', path, data: v });
      return;
    }
    if (isEnvelopeValue(v)) {
      out.encrypted.push({ kind: 'envelope', path, data: v });
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      if (LLM_FIELDS.has(k.toLowerCase()) && holdsPlaintext(x)) {
        out.plaintextLlm.push(p);
        continue;
      }
      walk(x, p, depth + 1);
    }
  };
  walk(root, '', 0);
  return out;
}

// ------------------------------------------------------------------ rule 1: plaintext LLM logs

/** A line whose LLM fields are readable. Inside an encrypted-only path it is an error, elsewhere a warning. */
export function rulePlaintextLlm(values: LineValues, protectedPath: boolean): Hit | null {
  if (values.plaintextLlm.length === 0) return null;
  const fields = [...new Set(values.plaintextLlm.map((p) => p.replace(/\[\d+\]/g, '[]')))].slice(0, 4).join(', ');
  return {
    rule: 'plaintext-llm-log',
    severity: protectedPath ? 'error' : 'warning',
    group: 'plaintext',
    message: `model input/output logged in plaintext (${fields})${protectedPath ? ' in a path that must hold only encrypted logs' : ''}`,
    fix: 'turn on encrypted logging in the writer (Symbiont ModelLogger with an encryption key, or envelope/transit encryption), then move this file out of the workspace or delete it securely; rotate any credentials it contains',
  };
}

/** A log file in an encrypted-only path in which no sampled line holds an encrypted value. */
export function ruleUnencryptedInProtectedPath(sampledLines: number, encryptedLines: number): Hit | null {
  if (sampledLines === 0 || encryptedLines > 0) return null;
  return {
    rule: 'unencrypted-log-in-protected-path',
    severity: 'error',
    group: 'unencrypted',
    message: `none of the ${sampledLines} line(s) looked at holds an encrypted value, in a path that must hold only encrypted logs`,
    fix: 'encrypt this log (or have its writer encrypt), or move it out of the paths listed in policy encryptedOnlyPaths',
  };
}

// ------------------------------------------------------------------ rule 2: weak or unknown ciphers / KDF

export function normalizeAlgorithm(alg: string): string {
  return alg.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

export function ruleCipher(v: FoundValue, policy: PolicyConfig): Hit | null {
  const want = normalizeAlgorithm(policy.requiredAlgorithm);
  if (v.kind === 'symbiont' && normalizeAlgorithm(v.data.algorithm) !== want) {
    return {
      rule: 'cipher-algorithm',
      severity: 'error',
      group: `symbiont:${v.data.algorithm}`,
      message: `Symbiont field ${v.path} uses algorithm "${v.data.algorithm}"; policy requires ${policy.requiredAlgorithm}`,
      fix: `re-encrypt this log with ${policy.requiredAlgorithm} (enclog reencrypt FILE --to REF) and update the writer`,
    };
  }
  if (v.kind === 'envelope') {
    if (v.data.version !== 1) {
      return {
        rule: 'cipher-algorithm',
        severity: 'error',
        group: `envelope-version:${v.data.version}`,
        message: `envelope value ${v.path} has version ${v.data.version}; only version 1 is known (unknown versions cannot be checked or decrypted)`,
        fix: 'find the writer that produced it; re-encrypt the entries as version 1 envelopes or remove them',
      };
    }
    if (normalizeAlgorithm(v.data.alg) !== want) {
      return {
        rule: 'cipher-algorithm',
        severity: 'error',
        group: `envelope:${v.data.alg}`,
        message: `envelope value ${v.path} uses alg "${v.data.alg}"; policy requires ${policy.requiredAlgorithm}`,
        fix: `re-encrypt this log with ${policy.requiredAlgorithm} (enclog reencrypt FILE --to REF) and update the writer`,
      };
    }
  }
  return null;
}

/** What Symbiont derives with for a kdf label, and whether the label is one it knows by name. */
export function kdfOfLabel(label: string): { m: number; t: number; p: number; known: boolean } {
  const p = symbiontKdfParams(label);
  return { m: p.memoryKiB, t: p.iterations, p: p.parallelism, known: label === CURRENT_SYMBIONT_KDF || label === 'Argon2' };
}

export function ruleKdf(v: FoundValue, policy: PolicyConfig): Hit | null {
  if (v.kind !== 'symbiont') return null;
  const label = v.data.kdf;
  const k = kdfOfLabel(label);
  const min = policy.minArgon2;
  const params = `m=${k.m} t=${k.t} p=${k.p}`;
  const minText = `m=${min.m} t=${min.t} p=${min.p}`;
  const below = k.m < min.m || k.t < min.t || k.p < min.p;
  if (below) {
    return {
      rule: 'kdf-params',
      severity: 'warning',
      group: `kdf:${label}`,
      message: `Symbiont fields use kdf "${label}" (Argon2id ${params}), below the policy minimum ${minText}`,
      fix: `re-encrypt this log with the current label ${CURRENT_SYMBIONT_KDF} (enclog reencrypt FILE --to REF) and upgrade the writer`,
    };
  }
  if (!/^argon2/i.test(label) || !k.known) {
    return {
      rule: 'kdf-params',
      severity: 'warning',
      group: `kdf-unknown:${label}`,
      message: `Symbiont fields name an unknown kdf "${label}"; readers treat it as Argon2id ${params}, whatever the writer meant`,
      fix: `check which writer produced it; re-encrypt with ${CURRENT_SYMBIONT_KDF} so the label says what was used`,
    };
  }
  return null;
}

// ------------------------------------------------------------------ rule 3: retired / below-minimum key versions

function transitHit(t: TransitMeta, n: number, where: string): Hit | null {
  if (n < t.minDecrypt) {
    return {
      rule: 'below-min-key-version',
      severity: 'error',
      group: `transit:${t.name}:v${n}`,
      message: `${where} encrypted under transit key ${t.name} v${n}, below min_decryption_version ${t.minDecrypt}: Vault refuses to decrypt it`,
      fix: `if the data is still needed, lower min_decryption_version of ${t.name} to ${n} for a moment and rewrap (enclog reencrypt FILE --to ${t.sourceRef}); otherwise delete the entries`,
      key: `${t.sourceRef}@v${n}`,
      sourceRef: t.sourceRef,
    };
  }
  const info = t.byOrder.get(n);
  if (info?.role === 'retired') {
    return {
      rule: 'retired-key-version',
      severity: 'warning',
      group: `transit:${t.name}:v${n}`,
      message: `${where} encrypted under retired key version ${info.label}`,
      fix: `rewrap to the primary version before the retired one is purged (enclog reencrypt FILE --to ${t.sourceRef})`,
      key: info.label,
      sourceRef: info.sourceRef,
    };
  }
  if (!info && n > t.latest) {
    return {
      rule: 'unknown-key-version',
      severity: 'info',
      group: `transit:${t.name}:v${n}`,
      message: `${where} names transit key ${t.name} v${n}, newer than the latest version Vault listed (v${t.latest})`,
      fix: `check that ${t.sourceRef} is the key this log was written with`,
    };
  }
  return null;
}

/** A value encrypted under a retired version, below Vault's minimum, or under a key no source holds. */
export function ruleKeyVersion(v: FoundValue, meta: KeyMeta): Hit | null {
  if (v.kind === 'transit') return meta.onlyTransit ? transitHit(meta.onlyTransit, v.version, 'value') : null;
  if (v.kind !== 'envelope') return null;
  const keyId = v.data.key_id;
  if (keyId.startsWith(TRANSIT_KEY_ID_PREFIX)) {
    const t = meta.transit.get(keyId.slice(TRANSIT_KEY_ID_PREFIX.length));
    const m = TRANSIT_VALUE.exec(v.data.dek_wrapped);
    return t && m ? transitHit(t, Number(m[1]), 'DEK') : null;
  }
  const info = meta.kekById.get(keyId);
  if (info?.role === 'retired') {
    return {
      rule: 'retired-key-version',
      severity: 'warning',
      group: `kek:${keyId}`,
      message: `entries wrapped with KEK ${keyId}, a retired key version (${info.label})`,
      fix: `rewrap this log to the primary KEK (enclog reencrypt FILE --to REF) before ${keyId} is purged`,
      key: info.label,
      sourceRef: info.sourceRef,
    };
  }
  if (!info && meta.hasKeks) {
    return {
      rule: 'unknown-key-version',
      severity: 'info',
      group: `kek:${keyId}`,
      message: `entries wrapped with KEK ${keyId}, which no configured key source holds`,
      fix: `add the source that holds ${keyId} (--key REF / encryptedLogs.keySources) to read them, or treat them as unrecoverable`,
    };
  }
  return null;
}

/** Census label `unknown` aside, a label whose version is retired (Symbiont logs, where lines name no key). */
export function ruleRetiredInCensus(info: KeyVersionInfo, entries: number): Hit | null {
  if (info.role !== 'retired' || entries <= 0) return null;
  return {
    rule: 'retired-key-version',
    severity: 'warning',
    group: `label:${info.label}`,
    message: `${entries} entr${entries === 1 ? 'y is' : 'ies are'} encrypted under retired key version ${info.label}`,
    fix: `re-encrypt this log to the primary key (enclog reencrypt FILE --to REF) before ${info.label} is purged`,
    key: info.label,
    sourceRef: info.sourceRef,
  };
}

// ------------------------------------------------------------------ rule 4: key file permissions

/** A key file whose mode grants more than owner read/write (0600). */
export function ruleKeyFileMode(path: string, mode: number): Hit | null {
  const perms = mode & 0o777;
  if ((perms & 0o177) === 0) return null;
  const text = perms.toString(8).padStart(4, '0');
  const others = (perms & 0o077) !== 0;
  return {
    rule: 'key-file-permissions',
    severity: others ? 'error' : 'warning',
    group: 'mode',
    message: `key file has mode ${text}${others ? ': group/other users can access it (Symbiont and enclog refuse such key files)' : ', wider than 0600'}`,
    fix: `chmod 600 ${shellQuote(path)}${others ? ' and, since others could read it, rotate the key' : ''}`,
  };
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// ------------------------------------------------------------------ rule 5: key age and volume

const DAY_MS = 86_400_000;

export interface KeyAge {
  ageDays: number;
  overdue: boolean;
  /** Days until due (negative when overdue). */
  dueInDays: number;
}

/** Age of a version from its created time; null when unknown or the interval is off. */
export function keyAge(createdTime: string | undefined, policy: Pick<PolicyConfig, 'rotationIntervalDays'>, now: Date): KeyAge | null {
  if (!createdTime || policy.rotationIntervalDays <= 0) return null;
  const t = Date.parse(createdTime);
  if (Number.isNaN(t)) return null;
  const ageDays = Math.max(0, Math.floor((now.getTime() - t) / DAY_MS));
  return { ageDays, overdue: ageDays > policy.rotationIntervalDays, dueInDays: policy.rotationIntervalDays - ageDays };
}

/** The key file's mtime, when the version records no creation time. */
export function modifiedFallback(info: AgedKey): { createdTime: string; what: string } | undefined {
  return info.modifiedTime ? { createdTime: info.modifiedTime, what: 'key file last modified' } : undefined;
}

/**
 * A primary version older than the rotation interval. `fallback` stands in when the source records no
 * creation time (default: the version's own `modifiedTime`).
 */
export function ruleKeyAge(info: AgedKey, policy: PolicyConfig, now: Date, fallback = modifiedFallback(info)): Hit | null {
  if (info.role !== 'primary' || policy.rotationIntervalDays <= 0) return null;
  const created = info.createdTime ?? fallback?.createdTime;
  const age = keyAge(created, policy, now);
  if (!created || !age) {
    return {
      rule: 'key-age-unknown',
      severity: 'info',
      group: info.label,
      message: `primary key version ${info.label} has no recorded creation time; its age cannot be checked`,
      fix: 'rotate through the rotation commands (they record creation times), or use a source that keeps them (Vault KV/transit, keychain)',
      key: info.label,
      sourceRef: info.sourceRef,
    };
  }
  if (!age.overdue) return null;
  const basis = info.createdTime ? `created ${created}` : `${fallback!.what} ${created}`;
  return {
    rule: 'key-overdue',
    severity: 'warning',
    group: info.label,
    message: `primary key version ${info.label} is ${age.ageDays} days old (${basis}); policy rotates every ${policy.rotationIntervalDays} days, overdue by ${-age.dueInDays} days`,
    fix: `rotate it: enclog rotate --source ${info.sourceRef} (or "Encrypted Logs: Rotate Key"), then re-encrypt the logs that use the old version`,
    key: info.label,
    sourceRef: info.sourceRef,
  };
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** A primary version past the volume trigger (entries or bytes written under it, from the census). */
export function ruleKeyVolume(info: AgedKey, volume: KeyVolume | undefined, policy: PolicyConfig): Hit | null {
  if (info.role !== 'primary' || !volume) return null;
  const { entries, bytes } = policy.volumeTrigger;
  const overEntries = entries !== undefined && entries > 0 && volume.entries >= entries;
  const overBytes = bytes !== undefined && bytes > 0 && volume.bytes >= bytes;
  if (!overEntries && !overBytes) return null;
  const parts: string[] = [];
  if (overEntries) parts.push(`${volume.entries} entries (trigger ${entries})`);
  if (overBytes) parts.push(`${formatBytes(volume.bytes)} (trigger ${formatBytes(bytes!)})`);
  return {
    rule: 'key-volume',
    severity: 'warning',
    group: info.label,
    message: `primary key version ${info.label} has encrypted ${parts.join(' and ')} in the scanned logs`,
    fix: `rotate it: enclog rotate --source ${info.sourceRef} (or "Encrypted Logs: Rotate Key")`,
    key: info.label,
    sourceRef: info.sourceRef,
  };
}
