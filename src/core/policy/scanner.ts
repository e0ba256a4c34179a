/**
 * The policy scan: walks the paths, checks every log candidate against the line rules (head sample, or
 * the whole file when deep), key files' modes, and the configured keys' age and volume. Runs with
 * progress callbacks and an AbortSignal; never decrypts unless a deep scan is given a Symbiont survey.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { KeyVersionInfo } from '../model';
import { buildKeyMeta } from './key-meta';
import { compileGlobs } from './glob';
import { isFailing, type AgedKey, type Census, type KeyVolume, type PolicyConfig, type PolicyFinding, type Severity } from './model';
import { ruleKeyAge, ruleKeyFileMode, ruleKeyVolume, ruleRetiredInCensus, type Hit } from './rules';
import { NotRegularFileError } from '../formats/regular-file';
import { scanFile, UNKNOWN_LABEL, type FileKind } from './scan-file';
import { relPath, walkPaths } from './walk';

export interface ScanProgress {
  phase: 'walk' | 'keys' | 'files' | 'survey' | 'done';
  /** Files (or directory entries while walking, entries while surveying) done so far, and the total when known. */
  done: number;
  total?: number;
  file?: string;
}

export interface PolicyScanOptions {
  /** Files and directories to scan (relative to baseDir); default: baseDir itself. */
  paths?: string[];
  /** Where relative paths and encryptedOnlyPaths globs are resolved from. */
  baseDir: string;
  policy: PolicyConfig;
  /** Stream every line of every candidate (and survey Symbiont logs when a survey is given). */
  deep?: boolean;
  /** Configured key refs: `file:` ones get the permission check wherever they are. */
  keyRefs?: string[];
  signal?: AbortSignal;
  onProgress?: (p: ScanProgress) => void;
  now?: Date;
}

export interface PolicyScanDeps {
  /** Key metadata (KeyResolver.versions()); without it only file and permission rules run. */
  versions?: () => Promise<{ keys: KeyVersionInfo[]; errors: Array<{ ref: string; message: string }> }>;
  /** Entries per key label of a Symbiont log (decrypts each entry's first field): deep scans only. */
  surveySymbiont?: (path: string, signal: AbortSignal | undefined, onProgress: (done: number, total: number) => void) => Promise<Map<string, number>>;
  /** Census gathered elsewhere (e.g. logs open in the editor); merged per label by maximum. */
  census?: Census;
}

export interface ScannedFile {
  path: string;
  kind: FileKind;
  format: string | null;
  lines: number;
  complete: boolean;
  protected: boolean;
}

export interface PolicyReport {
  findings: PolicyFinding[];
  files: ScannedFile[];
  keyFiles: string[];
  keys: KeyVersionInfo[];
  census: Record<string, KeyVolume>;
  notes: string[];
  deep: boolean;
  summary: Record<Severity, number>;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function expandHome(p: string): string {
  return p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

function findingOf(h: Hit, extra: Partial<PolicyFinding> = {}): PolicyFinding {
  const f: PolicyFinding = { rule: h.rule, severity: h.severity, message: h.message, fix: h.fix, ...extra };
  if (h.key !== undefined) f.key = h.key;
  if (h.sourceRef !== undefined) f.sourceRef = h.sourceRef;
  return f;
}

function addVolume(c: Census, label: string, v: KeyVolume): void {
  const cur = c.get(label) ?? { entries: 0, bytes: 0 };
  c.set(label, { entries: cur.entries + v.entries, bytes: cur.bytes + v.bytes });
}

export async function scanPolicy(opts: PolicyScanOptions, deps: PolicyScanDeps = {}): Promise<PolicyReport> {
  const { policy, signal } = opts;
  const now = opts.now ?? new Date();
  const deep = opts.deep ?? false;
  const progress = (p: ScanProgress) => {
    try {
      opts.onProgress?.(p);
    } catch {
      // a progress consumer must not break the scan
    }
  };
  const findings: PolicyFinding[] = [];
  const notes: string[] = [];
  const isProtected = compileGlobs(policy.encryptedOnlyPaths);

  // Keys first: the line rules need to know which versions are retired.
  progress({ phase: 'keys', done: 0 });
  let keys: KeyVersionInfo[] = [];
  let sourceErrors = 0;
  if (deps.versions) {
    const v = await deps.versions();
    keys = v.keys;
    sourceErrors = v.errors.length;
    for (const e of v.errors) notes.push(`key source ${e.ref} could not be listed (key ids it holds are not checked): ${e.message}`);
  }
  signal?.throwIfAborted();
  const meta = buildKeyMeta(keys, { allSourcesListed: sourceErrors === 0 });
  if (meta.transit.size > 1) notes.push('several transit keys are configured: bare vault:vN values in transit JSON lines are not matched to a key');

  progress({ phase: 'walk', done: 0 });
  const walk = await walkPaths(opts.paths?.length ? opts.paths : ['.'], {
    baseDir: opts.baseDir,
    isProtected,
    maxFiles: policy.maxFiles,
    maxDepth: policy.maxDepth,
    signal,
    onVisit: (n) => progress({ phase: 'walk', done: n }),
  });
  if (walk.truncated) {
    findings.push({
      rule: 'scan-incomplete',
      severity: 'info',
      message: `the scan did not cover everything: ${walk.truncated}`,
      fix: 'scan narrower paths, or raise policy maxFiles / maxDepth',
    });
  }

  // Line rules per file.
  const census: Census = new Map();
  const files: ScannedFile[] = [];
  const symbiontLogs: string[] = [];
  let incompleteLogs = 0;
  for (const [i, path] of walk.logFiles.entries()) {
    signal?.throwIfAborted();
    progress({ phase: 'files', done: i, total: walk.logFiles.length, file: path });
    const prot = isProtected(relPath(opts.baseDir, path));
    let r;
    try {
      r = await scanFile(path, { policy, meta, protectedPath: prot, deep, signal });
    } catch (e) {
      signal?.throwIfAborted();
      if (e instanceof NotRegularFileError) {
        const fix = 'remove it or move it out of the scanned paths; a log must be a regular file';
        findings.push({ rule: 'scan-incomplete', severity: 'warning', message: `not scanned: ${e.message}`, fix, file: path });
      } else notes.push(`${path}: could not be read: ${(e as Error).message}`);
      continue;
    }
    findings.push(...r.findings);
    files.push({ path, kind: r.kind, format: r.format, lines: r.lines, complete: r.complete, protected: prot });
    if (r.kind === 'encrypted-log' || r.encryptedLines > 0) {
      if (!r.complete) incompleteLogs++;
      for (const [label, v] of r.census) addVolume(census, label, v);
      if (r.symbiontEntries > 0) symbiontLogs.push(path);
    }
  }
  progress({ phase: 'files', done: walk.logFiles.length, total: walk.logFiles.length });

  // Symbiont lines name no key: only a survey (one Argon2 run per entry) tells which key wrote them.
  const labels = new Map(keys.map((k) => [k.label, k]));
  if (symbiontLogs.length > 0) {
    const hasSymbiontKeys = keys.some((k) => k.kind === 'symbiont');
    if (deep && deps.surveySymbiont && hasSymbiontKeys) {
      for (const path of symbiontLogs) {
        signal?.throwIfAborted();
        try {
          const byKey = await deps.surveySymbiont(path, signal, (done, total) => progress({ phase: 'survey', done, total, file: path }));
          const total = [...byKey.values()].reduce((a, b) => a + b, 0);
          const size = (await stat(path)).size;
          for (const [label, n] of byKey) {
            addVolume(census, label, { entries: n, bytes: total > 0 ? Math.round((size * n) / total) : 0 });
            const info = labels.get(label);
            const h = info ? ruleRetiredInCensus(info, n) : null;
            if (h) findings.push(findingOf(h, { file: path, line: 1, count: n }));
          }
        } catch (e) {
          signal?.throwIfAborted();
          notes.push(`${path}: survey failed: ${(e as Error).message}`);
        }
      }
    } else {
      notes.push(
        `${symbiontLogs.length} Symbiont log(s) record no key id: which key version wrote them (retired versions, volume) is known only by decrypting` +
          (deep ? (hasSymbiontKeys ? '' : ' (no Symbiont key is configured)') : ' (run with --deep)'),
      );
    }
  }
  if (incompleteLogs > 0) notes.push(`${incompleteLogs} encrypted log(s) were sampled, not read to the end: entry counts per key (volume trigger) cover only complete files; run with --deep`);

  for (const [label, v] of deps.census ?? []) {
    const cur = census.get(label);
    if (!cur || v.entries > cur.entries) census.set(label, { entries: Math.max(v.entries, cur?.entries ?? 0), bytes: Math.max(v.bytes, cur?.bytes ?? 0) });
  }

  // Key files: configured file: refs wherever they are, and *.key files in the scanned paths.
  const keyFiles = new Set(walk.keyFiles);
  for (const ref of opts.keyRefs ?? []) if (ref.startsWith('file:')) keyFiles.add(resolve(opts.baseDir, expandHome(ref.slice(5))));
  const mtimes = new Map<string, string>();
  for (const path of keyFiles) {
    try {
      const st = await stat(path);
      if (!st.isFile()) continue;
      mtimes.set(path, st.mtime.toISOString());
      if (process.platform === 'win32') continue;
      const h = ruleKeyFileMode(path, st.mode);
      if (h) findings.push(findingOf(h, { file: path, line: 1 }));
    } catch {
      // missing key file: the key source reports it
    }
  }

  // Key age and volume (primary versions).
  progress({ phase: 'keys', done: 0, total: keys.length });
  for (const info of keys) {
    const keyPath = info.sourceRef.startsWith('file:') ? resolve(opts.baseDir, expandHome(info.sourceRef.slice(5))) : undefined;
    const mtime = keyPath ? mtimes.get(keyPath) : undefined;
    const extra: Partial<PolicyFinding> = keyPath ? { file: keyPath, line: 1 } : {};
    const age = ruleKeyAge(info, policy, now, mtime ? { createdTime: mtime, what: 'key file last modified' } : undefined);
    if (age) findings.push(findingOf(age, extra));
    const vol = ruleKeyVolume(info, census.get(info.label), policy);
    if (vol) findings.push(findingOf(vol, extra));
  }
  const unknown = census.get(UNKNOWN_LABEL);
  if (unknown && keys.length > 0) notes.push(`${unknown.entries} entr${unknown.entries === 1 ? 'y' : 'ies'} in complete files name a key no configured source holds`);

  findings.sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || a.rule.localeCompare(b.rule),
  );
  const summary: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) summary[f.severity]++;
  progress({ phase: 'done', done: files.length, total: files.length });
  return {
    findings,
    files,
    keyFiles: [...keyFiles],
    keys,
    census: Object.fromEntries(census),
    notes,
    deep,
    summary,
  };
}

export function hasFailingFindings(report: PolicyReport): boolean {
  return report.findings.some(isFailing);
}

/** Primary versions that are overdue by age or past the volume trigger (for status bars and trees). */
export function overdueKeys(keys: readonly AgedKey[], policy: PolicyConfig, now: Date, census?: Census): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  for (const info of keys) {
    const age = ruleKeyAge(info, policy, now);
    if (age && age.rule === 'key-overdue') out.push(findingOf(age));
    const vol = ruleKeyVolume(info, census?.get(info.label), policy);
    if (vol) out.push(findingOf(vol));
  }
  return out;
}
