import { verifyFiles } from '../../core/rotation';
import { UsageError } from '../args';
import { lineageNotes, withLineage } from '../lineage-text';
import type { Output } from '../output';
import { required, withRotation } from './rotate';

export const VERIFY_USAGE = 'enclog verify FILE... --primary REF [--key REF]... [--json]';

/** Exit 0: every value of every file decrypts and is on the primary; 3: some are not; 2: usage or I/O. */
export function verifyCommand(argv: string[], out: Output): Promise<number> {
  return withRotation(argv, { values: ['primary'] }, out, (a) => [required(a, 'primary')], async ({ keys, args, store, lineages }) => {
    if (args.positional.length === 0) throw new UsageError('expected at least one FILE');
    const v = await verifyFiles(args.positional, required(args, 'primary'), keys);
    store.rememberLogs(v.files.filter((f) => !f.error).map((f) => f.path));
    keys.audit({ action: 'rotation', source: v.primary.sourceRef, version: v.primary.version, detail: `verify ${v.files.length} file(s): ${v.files.map((f) => `${f.path} ${f.ok ? 'ok' : 'NOT ok'} ${f.onPrimary}/${f.fields}`).join('; ')}` });
    const notes = await lineageNotes(() => keys.resolver.versions(), lineages);
    if (args.flags.has('json')) await out.json({ ...v, lineages: Object.fromEntries(notes) });
    else {
      const note = notes.get(v.primary.label);
      if (note && !note.endsWith(', primary')) out.warn(`note: ${v.primary.label} is not its lineage's primary (${note}): new data is written with another version`);
      for (const f of v.files) {
        if (f.error) await out.line(`${f.path}: ERROR ${f.error}`);
        else await out.line(`${f.path}: ${f.ok ? 'OK' : 'NOT OK'} ${f.onPrimary} of ${f.fields} value(s) on ${withLineage(v.primary.label, notes)}${f.ok ? '' : `; by key: ${JSON.stringify(f.fieldsByKey)}`}`);
        for (const x of f.failures.slice(0, 20)) await out.line(`  line ${x.line + 1}: ${x.message}`);
      }
    }
    if (v.files.some((f) => f.error && f.ioError)) return 2;
    return v.ok ? 0 : 3;
  });
}
