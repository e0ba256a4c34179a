import type { LineageOverride } from '../../core/keys/lineage';
import { RotationKeys, StateStore, createKeyVersion } from '../../core/rotation';
import { engineRotationKeys } from '../../core/engine';
import type { VaultOptions } from '../../core/keys/vault-client';
import type { TargetOrigin } from '../../core/rotation/target-origin';
import { UsageError, type FlagSpec, type ParsedArgs } from '../args';
import type { CliConfig } from '../config';
import { commandSetup } from '../context';
import type { Output } from '../output';
import { cliTargetOrigin, refuseDirectoryVaultTarget } from '../target-origin';

export const ROTATE_USAGE = 'enclog rotate --source REF [--kind kek|symbiont] [--json]';

export interface RotationCli {
  keys: RotationKeys;
  args: ParsedArgs;
  store: StateStore;
  vault: VaultOptions;
  /** The --key refs (or .enclog.json keys). */
  keyRefs: string[];
  /** `.enclog.json` "lineages". */
  lineages: LineageOverride[];
  config: CliConfig;
  /** Where the target named by `flag` came from (said by plan, dry run, reencrypt and rotate). */
  origin(ref: string, flag: string): TargetOrigin;
}

/**
 * Shared set-up of the rotation commands: flags, key refs (`--key` wins over `.enclog.json`), the
 * state file (retired versions, known logs; ENCLOG_STATE_DIR / XDG_STATE_HOME), an audit trail
 * (`audit.jsonl` beside the state, and stderr with --verbose), and the keys with `lead` refs first.
 */
export async function withRotation(argv: string[], spec: FlagSpec, out: Output, lead: (args: ParsedArgs) => string[], body: (ctx: RotationCli) => Promise<number>): Promise<number> {
  const { args, config, keyRefs, audit, store } = commandSetup(argv, spec, out);
  const keys = engineRotationKeys({ keyRefs: [...lead(args), ...keyRefs], vault: config.vault, audit, retired: store.retiredLabels() });
  try {
    const usesConfigKeys = !args.lists.has('key');
    const origin = (ref: string, flag: string) => cliTargetOrigin(ref, flag, config, usesConfigKeys);
    return await body({ keys, args, store, vault: config.vault, keyRefs, lineages: config.lineages, config, origin });
  } finally {
    await keys.dispose();
  }
}

export function required(args: ParsedArgs, name: string): string {
  const v = args.values.get(name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function rotateCommand(argv: string[], out: Output): Promise<number> {
  return withRotation(argv, { values: ['source', 'kind'] }, out, (a) => [required(a, 'source')], async ({ keys, args, vault, lineages, config, origin }) => {
    if (args.positional.length) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    const kind = args.values.get('kind');
    if (kind !== undefined && kind !== 'kek' && kind !== 'symbiont') throw new UsageError('--kind takes kek or symbiont');
    const source = required(args, 'source');
    refuseDirectoryVaultTarget(source, config, 'create a new key version in');
    for (const w of origin(source, '--source').warnings) out.warn(`enclog: warning: ${w}`);
    const r = await createKeyVersion(source, keys, { vault, lineages, kind: kind as 'kek' | 'symbiont' | undefined });
    if (args.flags.has('json')) await out.json(r);
    else {
      await out.line(`${r.ref}: new ${r.kind} version ${r.version}${r.keyId ? ` (key id ${r.keyId})` : ''}`);
      if (r.operatorValue !== undefined) {
        out.warn(`enclog does not store this key: ${r.instructions}. The new value is on stdout:`);
        await out.line(r.operatorValue);
      } else await out.line('it is now the primary version; older versions stay decrypt-only. Next: enclog plan / enclog reencrypt --to ' + r.ref);
    }
    return 0;
  });
}
