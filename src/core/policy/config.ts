import { defaultPolicy, type PolicyConfig } from './model';

export class PolicyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyConfigError';
  }
}

const GB = 1024 ** 3;

function num(obj: Record<string, unknown>, key: string, where: string, min: number): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new PolicyConfigError(`${where}.${key} must be a number >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function int(obj: Record<string, unknown>, key: string, where: string, min: number): number | undefined {
  const v = num(obj, key, where, min);
  if (v !== undefined && !Number.isInteger(v)) throw new PolicyConfigError(`${where}.${key} must be a whole number, got ${v}`);
  return v;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a policy object (`.enclog.json` "policy", or the extension's `encryptedLogs.policy.*` settings
 * gathered into one object) over the defaults. Unknown keys are errors, so a typo never silently
 * weakens the policy. Accepted:
 * `{ rotationIntervalDays, volumeTrigger: { entries, bytes, gb }, requiredAlgorithm,
 *    minArgon2: { m, t, p }, encryptedOnlyPaths: [glob], sampleLines, sampleBytes, maxFiles, maxDepth }`.
 */
export function parsePolicy(raw: unknown, where = 'policy'): PolicyConfig {
  const policy = defaultPolicy();
  if (raw === undefined || raw === null) return policy;
  if (!isObj(raw)) throw new PolicyConfigError(`${where} must be an object`);
  const known = ['rotationIntervalDays', 'volumeTrigger', 'requiredAlgorithm', 'minArgon2', 'encryptedOnlyPaths', 'sampleLines', 'sampleBytes', 'maxFiles', 'maxDepth'];
  for (const k of Object.keys(raw)) if (!known.includes(k)) throw new PolicyConfigError(`${where}: unknown setting "${k}" (known: ${known.join(', ')})`);

  policy.rotationIntervalDays = num(raw, 'rotationIntervalDays', where, 0) ?? policy.rotationIntervalDays;
  if (raw.volumeTrigger !== undefined && raw.volumeTrigger !== null) {
    const vt = raw.volumeTrigger;
    if (!isObj(vt)) throw new PolicyConfigError(`${where}.volumeTrigger must be an object {entries?, bytes?, gb?}`);
    for (const k of Object.keys(vt)) if (!['entries', 'bytes', 'gb'].includes(k)) throw new PolicyConfigError(`${where}.volumeTrigger: unknown key "${k}" (entries, bytes, gb)`);
    const entries = int(vt, 'entries', `${where}.volumeTrigger`, 0);
    const bytes = int(vt, 'bytes', `${where}.volumeTrigger`, 0);
    const gb = num(vt, 'gb', `${where}.volumeTrigger`, 0);
    if (bytes !== undefined && gb !== undefined) throw new PolicyConfigError(`${where}.volumeTrigger: give bytes or gb, not both`);
    // 0 means "off", like an absent value.
    if (entries) policy.volumeTrigger.entries = entries;
    if (bytes) policy.volumeTrigger.bytes = bytes;
    if (gb) policy.volumeTrigger.bytes = Math.round(gb * GB);
  }
  if (raw.requiredAlgorithm !== undefined) {
    if (typeof raw.requiredAlgorithm !== 'string' || raw.requiredAlgorithm.trim() === '') throw new PolicyConfigError(`${where}.requiredAlgorithm must be a non-empty string`);
    policy.requiredAlgorithm = raw.requiredAlgorithm.trim();
  }
  if (raw.minArgon2 !== undefined && raw.minArgon2 !== null) {
    const a = raw.minArgon2;
    if (!isObj(a)) throw new PolicyConfigError(`${where}.minArgon2 must be an object {m, t, p}`);
    for (const k of Object.keys(a)) if (!['m', 't', 'p'].includes(k)) throw new PolicyConfigError(`${where}.minArgon2: unknown key "${k}" (m = memory KiB, t = iterations, p = parallelism)`);
    policy.minArgon2 = {
      m: int(a, 'm', `${where}.minArgon2`, 8) ?? policy.minArgon2.m,
      t: int(a, 't', `${where}.minArgon2`, 1) ?? policy.minArgon2.t,
      p: int(a, 'p', `${where}.minArgon2`, 1) ?? policy.minArgon2.p,
    };
  }
  if (raw.encryptedOnlyPaths !== undefined) {
    const g = raw.encryptedOnlyPaths;
    if (!Array.isArray(g) || !g.every((x) => typeof x === 'string')) throw new PolicyConfigError(`${where}.encryptedOnlyPaths must be an array of globs`);
    policy.encryptedOnlyPaths = g.map((x) => x.trim()).filter((x) => x !== '');
  }
  policy.sampleLines = int(raw, 'sampleLines', where, 1) ?? policy.sampleLines;
  policy.sampleBytes = int(raw, 'sampleBytes', where, 1024) ?? policy.sampleBytes;
  policy.maxFiles = int(raw, 'maxFiles', where, 1) ?? policy.maxFiles;
  policy.maxDepth = int(raw, 'maxDepth', where, 0) ?? policy.maxDepth;
  return policy;
}
