import { purgeKeyVersion, retireKeyVersion, unretireKeyVersion } from '../../core/rotation';
import { UsageError } from '../args';
import type { Output } from '../output';
import { required, withRotation } from './rotate';

export const RETIRE_USAGE = 'enclog retire --source REF --version V [FILE...] [--key REF]... [--force] [--unretire | --purge --confirm] [--json]';

/**
 * Two steps: `retire` marks a decrypt-only version retired (reversible with --unretire), refused while
 * the census of FILE... and the known logs still shows values on it (unless --force); `--purge
 * --confirm` then destroys it where the source can (irreversible). Exit 0 done, 3 refused, 2 usage/I-O.
 */
export function retireCommand(argv: string[], out: Output): Promise<number> {
  const spec = { values: ['source', 'version'], booleans: ['purge', 'force', 'confirm', 'unretire'] };
  return withRotation(argv, spec, out, (a) => [required(a, 'source')], async ({ keys, args, store, vault }) => {
    const req = { ref: required(args, 'source'), version: required(args, 'version'), files: args.positional, force: args.flags.has('force') };
    if (args.flags.has('purge') && args.flags.has('unretire')) throw new UsageError('--purge and --unretire exclude each other');
    if (args.flags.has('confirm') && !args.flags.has('purge')) throw new UsageError('--confirm only goes with --purge');
    const r = args.flags.has('purge')
      ? await purgeKeyVersion({ ...req, confirmed: args.flags.has('confirm') }, keys, store, { vault })
      : args.flags.has('unretire')
        ? await unretireKeyVersion(req, keys, store, { vault })
        : await retireKeyVersion(req, keys, store, { vault });
    if (args.flags.has('json')) await out.json({ status: r.status, label: r.label, message: r.message, inUse: r.inUse });
    else await out.line(r.message);
    return r.status === 'refused' ? 3 : 0;
  });
}
