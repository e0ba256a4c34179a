/** A small, strict argv parser: unknown flags are usage errors, never silently ignored. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** Flags taking a value; `repeat` ones collect every occurrence. */
  values?: string[];
  repeat?: string[];
  booleans?: string[];
}

export interface ParsedArgs {
  positional: string[];
  values: Map<string, string>;
  lists: Map<string, string[]>;
  flags: Set<string>;
}

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), lists: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const takesValue = spec.values?.includes(name) || spec.repeat?.includes(name);
    if (!takesValue) {
      if (!spec.booleans?.includes(name) || inline !== undefined) throw new UsageError(`unknown option --${name}`);
      out.flags.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (spec.repeat?.includes(name)) out.lists.set(name, [...(out.lists.get(name) ?? []), value]);
    else out.values.set(name, value);
  }
  return out;
}

export function intOption(args: ParsedArgs, name: string, fallback: number, min = 0): number {
  const raw = args.values.get(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`--${name} takes a whole number >= ${min}, got "${raw}"`);
  return Number(raw);
}
