import { verifyFiles } from '../../core/rotation';
import { UsageError } from '../args';
import type { Output } from '../output';
import { required, withRotation } from './rotate';

export const VERIFY_USAGE = 'enclog verify FILE... --primary REF [--key REF]... [--json]';

/** Exit 0: every value of every file decrypts and is on the primary; 3: some are not; 2: usage or I/O. */
export function verifyCommand(argv: string[], out: Output): Promise<number> {
  return withRotation(argv, { values: ['primary'] }, out, (a) => [required(a, 'primary')], async ({ keys, args, store }) => {
    if (args.positional.length === 0) throw new UsageError('expected at least one FILE');
    const v = await verifyFiles(args.positional, required(args, 'primary'), keys);
    store.rememberLogs(v.files.filter((f) => !f.error).map((f) => f.path));
    keys.audit({ action: 'rotation', source: v.primary.sourceRef, version: v.primary.version, detail: `verify ${v.files.length} file(s): ${v.files.map((f) => `${f.path} ${f.ok ? 'ok' : 'NOT ok'} ${f.onPrimary}/${f.fields}`).join('; ')}` });
    if (args.flags.has('json')) await out.json(v);
    else {
      for (const f of v.files) {
        if (f.error) await out.line(`${f.path}: ERROR ${f.error}`);
        else await out.line(`${f.path}: ${f.ok ? 'OK' : 'NOT OK'} ${f.onPrimary} of ${f.fields} value(s) on ${v.primary.label}${f.ok ? '' : `; by key: ${JSON.stringify(f.fieldsByKey)}`}`);
        for (const x of f.failures.slice(0, 20)) await out.line(`  line ${x.line + 1}: ${x.message}`);
      }
    }
    if (v.files.some((f) => f.error && f.ioError)) return 2;
    return v.ok ? 0 : 3;
  });
}
