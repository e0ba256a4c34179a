import { createEngine, type Engine } from '../core/engine';
import { retiredLabelsOrNone } from '../core/rotation/state';
import { FORMAT_NAMES, formatFromName } from '../core/formats/detect';
import type { FormatId } from '../core/model';
import type { AuditEvent, AuditSink } from '../core/keys/types';
import { intOption, parseArgs, UsageError, type FlagSpec, type ParsedArgs } from './args';
import { loadConfig, type CliConfig } from './config';
import type { Output } from './output';
import { plainHttpWarning } from '../core/keys/vault-tls';
import { StateStore } from '../core/rotation/state';

function keyRefsUseVault(refs: string[]): boolean {
  return refs.some((r) => r.trim().startsWith('vault-'));
}

export const KEY_FLAGS: FlagSpec = { repeat: ['key'], booleans: ['json', 'verbose'] };

export function mergeSpecs(...specs: FlagSpec[]): FlagSpec {
  return {
    values: specs.flatMap((s) => s.values ?? []),
    repeat: specs.flatMap((s) => s.repeat ?? []),
    booleans: specs.flatMap((s) => s.booleans ?? []),
  };
}

export interface CommandSetup {
  args: ParsedArgs;
  config: CliConfig;
  /** `--key` refs, else `.enclog.json`'s keys. */
  keyRefs: string[];
  /** The audit trail: `audit.jsonl` in the state directory, and stderr (source errors always, everything with --verbose). */
  audit: AuditSink;
  store: StateStore;
}

/** What every command that uses keys starts with: its flags, the config, the key refs, the audit echo. */
export function commandSetup(argv: string[], spec: FlagSpec, out: Output): CommandSetup {
  const args = parseArgs(argv, mergeSpecs(KEY_FLAGS, spec));
  const config = loadConfig(process.cwd());
  for (const w of config.warnings) out.warn(`enclog: warning: ${w}`);
  const endpoint = config.vault.endpoint ?? process.env.VAULT_ADDR;
  const plain = endpoint && keyRefsUseVault(args.lists.get('key') ?? config.keys) ? plainHttpWarning(endpoint) : undefined;
  if (plain) out.warn(`enclog: warning: ${plain}`);
  const verbose = args.flags.has('verbose');
  const store = new StateStore();
  let unwritable = false;
  const audit: AuditSink = (e: AuditEvent) => {
    try {
      store.appendAudit(e);
    } catch (err) {
      if (!unwritable) out.warn(`warning: cannot write the audit trail ${store.auditPath}: ${(err as Error).message}`);
      unwritable = true;
    }
    if (verbose || e.action === 'key-source-error' || e.action === 'reveal') out.warn(`audit: ${e.action}${e.source ? ` ${e.source}` : ''}${e.version ? ` ${e.version}` : ''}${e.detail ? ` - ${e.detail}` : ''}`);
  };
  return { args, config, keyRefs: args.lists.get('key') ?? config.keys, audit, store };
}

/** Runs a command with an engine over its key refs. */
export async function withEngine(
  argv: string[],
  spec: FlagSpec,
  out: Output,
  body: (engine: Engine, args: ParsedArgs, audit: AuditSink) => Promise<number>,
): Promise<number> {
  const { args, config, keyRefs, audit, store } = commandSetup(argv, spec, out);
  const maxTrials = args.values.has('max-trials') ? intOption(args, 'max-trials', 0, 1) : undefined;
  const engine = createEngine({ keyRefs, vault: config.vault, audit, lineages: config.lineages, retired: retiredLabelsOrNone(audit, store), maxTrialsPerEntry: maxTrials });
  try {
    return await body(engine, args, audit);
  } finally {
    await engine.dispose();
  }
}

export function onePositional(args: ParsedArgs, what: string): string {
  if (args.positional.length !== 1) throw new UsageError(`expected exactly one ${what}, got ${args.positional.length}`);
  return args.positional[0];
}

/** `--format NAME`: read the file as that format instead of detecting it. */
export function formatOption(args: ParsedArgs): FormatId | undefined {
  const name = args.values.get('format');
  if (name === undefined) return undefined;
  const format = formatFromName(name);
  if (format === null) throw new UsageError(`--format takes ${Object.keys(FORMAT_NAMES).join(', ')}; got "${name}"`);
  return format;
}
