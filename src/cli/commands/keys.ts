import { UsageError } from '../args';
import { withEngine } from '../context';
import type { Output } from '../output';

export const KEYS_USAGE = 'enclog keys list [--key REF]... [--json]';

export function keysCommand(argv: string[], out: Output): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list') throw new UsageError(`unknown keys subcommand ${sub ?? '(none)'}; usage: ${KEYS_USAGE}`);
  return withEngine(rest, {}, out, async (engine, args) => {
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    const { keys, errors } = await engine.versions();
    if (args.flags.has('json')) {
      await out.json({ keys, errors: errors.map((e) => ({ ref: e.ref, code: e.code, message: e.message })) });
    } else {
      for (const k of keys) {
        await out.line(`${k.label}\t${k.kind}${k.keyId ? ` (${k.keyId})` : ''}\t${k.role}${k.createdTime ? `\tcreated ${k.createdTime}` : ''}`);
      }
      for (const e of errors) out.warn(`error: ${e.message}`);
      if (keys.length === 0 && errors.length === 0) out.warn('no key sources configured: pass --key REF or add {"keys": [...]} to .enclog.json');
    }
    return errors.length > 0 ? 3 : 0;
  });
}
