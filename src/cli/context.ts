import { createEngine, type Engine } from '../core/engine';
import type { AuditEvent } from '../core/keys/types';
import { parseArgs, UsageError, type FlagSpec, type ParsedArgs } from './args';
import { loadConfig } from './config';
import type { Output } from './output';

export const KEY_FLAGS: FlagSpec = { repeat: ['key'], booleans: ['json', 'verbose'] };

export function mergeSpecs(...specs: FlagSpec[]): FlagSpec {
  return {
    values: specs.flatMap((s) => s.values ?? []),
    repeat: specs.flatMap((s) => s.repeat ?? []),
    booleans: specs.flatMap((s) => s.booleans ?? []),
  };
}

/** Parses the command's flags, resolves key refs (`--key` wins over `.enclog.json`) and runs with an engine. */
export async function withEngine(
  argv: string[],
  spec: FlagSpec,
  out: Output,
  body: (engine: Engine, args: ParsedArgs) => Promise<number>,
): Promise<number> {
  const args = parseArgs(argv, mergeSpecs(KEY_FLAGS, spec));
  const config = loadConfig(process.cwd());
  const keyRefs = args.lists.get('key') ?? config.keys;
  const verbose = args.flags.has('verbose');
  const audit = (e: AuditEvent) => {
    if (verbose || e.action === 'key-source-error') out.warn(`audit: ${e.action}${e.source ? ` ${e.source}` : ''}${e.version ? ` ${e.version}` : ''}${e.detail ? ` - ${e.detail}` : ''}`);
  };
  const engine = createEngine({ keyRefs, vault: config.vault, audit });
  try {
    return await body(engine, args);
  } finally {
    await engine.dispose();
  }
}

export function onePositional(args: ParsedArgs, what: string): string {
  if (args.positional.length !== 1) throw new UsageError(`expected exactly one ${what}, got ${args.positional.length}`);
  return args.positional[0];
}
