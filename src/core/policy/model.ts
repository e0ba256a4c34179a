import type { KeyVersionInfo } from '../model';
/**
 * Encryption-at-rest policy: what the policy says (PolicyConfig), what a scan finds (PolicyFinding).
 * Pure data; no 'vscode'.
 */

export interface Argon2Minimum {
  /** Memory in KiB. */
  m: number;
  /** Iterations. */
  t: number;
  /** Parallelism. */
  p: number;
}

export interface VolumeTrigger {
  /** Rotate once this many entries were written under one key version (undefined = off). */
  entries?: number;
  /** Rotate once this many bytes of log lines were written under one key version (undefined = off). */
  bytes?: number;
}

export interface PolicyConfig {
  /** Primary key versions older than this many days are overdue. 0 turns the age check off. */
  rotationIntervalDays: number;
  volumeTrigger: VolumeTrigger;
  /** The cipher every encrypted value must name (Symbiont `algorithm`, envelope `alg`). */
  requiredAlgorithm: string;
  /** Minimum Argon2 parameters of Symbiont fields (what the reader derives with for the `kdf` label). */
  minArgon2: Argon2Minimum;
  /** Globs (relative to the scan base, `/` separated) of paths that must hold only encrypted logs. */
  encryptedOnlyPaths: string[];
  /** Non-empty lines looked at per file when not scanning deeply. */
  sampleLines: number;
  /** Bytes read from the head of a file when not scanning deeply. */
  sampleBytes: number;
  /** Walk bounds: files looked at in all, directory depth. */
  maxFiles: number;
  maxDepth: number;
}

/** The Symbiont writer's legacy floor (argon2 crate defaults): every kdf label but the current one. */
export const LEGACY_ARGON2: Argon2Minimum = { m: 19456, t: 2, p: 1 };

export const DEFAULT_POLICY: Readonly<PolicyConfig> = Object.freeze({
  rotationIntervalDays: 90,
  volumeTrigger: {},
  requiredAlgorithm: 'AES-256-GCM',
  minArgon2: { ...LEGACY_ARGON2 },
  encryptedOnlyPaths: [],
  sampleLines: 200,
  sampleBytes: 1 << 20,
  maxFiles: 20000,
  maxDepth: 24,
});

export function defaultPolicy(): PolicyConfig {
  return { ...DEFAULT_POLICY, volumeTrigger: {}, minArgon2: { ...LEGACY_ARGON2 }, encryptedOnlyPaths: [] };
}

export type Severity = 'error' | 'warning' | 'info';

/** Every rule id a finding can carry. */
export const RULE_IDS = [
  'plaintext-llm-log',
  'unencrypted-log-in-protected-path',
  'cipher-algorithm',
  'kdf-params',
  'retired-key-version',
  'below-min-key-version',
  'unknown-key-version',
  'key-file-permissions',
  'key-overdue',
  'key-volume',
  'key-age-unknown',
  'scan-incomplete',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export interface PolicyFinding {
  rule: RuleId;
  severity: Severity;
  /** What is wrong, with the figures. */
  message: string;
  /** What to do about it. */
  fix: string;
  /** Absolute path of the file the finding is about (log file or key file), when there is one. */
  file?: string;
  /** 1-based line of the first occurrence, when known. */
  line?: number;
  /** How many lines/entries/fields showed it (aggregated per file and rule). */
  count?: number;
  /** A few more 1-based lines where it also occurs. */
  moreLines?: number[];
  /** Key version label (KeyVersionInfo.label) or key ref, when the finding is about a key. */
  key?: string;
  /** Source ref of that key (for the rotation command). */
  sourceRef?: string;
}

/** Severities that make a scan fail (exit 3 / problems). `info` never does. */
export function isFailing(f: PolicyFinding): boolean {
  return f.severity === 'error' || f.severity === 'warning';
}

/** Entries and bytes written under one key version, from a census of the logs. */
export interface KeyVolume {
  entries: number;
  bytes: number;
}
export type Census = Map<string, KeyVolume>;

/**
 * What the age and volume rules read of a key version: the full listing's KeyVersionInfo or the
 * metadata-only KeyVersionMeta alike. `modifiedTime` (a key file's mtime) stands in for a missing creation time.
 */
export interface AgedKey {
  label: string;
  sourceRef: string;
  role: KeyVersionInfo['role'];
  createdTime?: string;
  modifiedTime?: string;
}
