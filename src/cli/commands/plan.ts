import { planRotation } from '../../core/rotation';
import { targetOriginText } from '../../core/rotation/target-origin';
import { UsageError } from '../args';
import { lineageNotes, withLineage } from '../lineage-text';
import type { Output } from '../output';
import { withRotation } from './rotate';

export const PLAN_USAGE = 'enclog plan FILE... [--key REF]... [--to REF] [--kdf LABEL] [--json]';

const fmt = (s: number | null) => (s === null ? '-' : s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);

export function planCommand(argv: string[], out: Output): Promise<number> {
  return withRotation(argv, { values: ['to', 'kdf'] }, out, (a) => (a.values.get('to') ? [a.values.get('to') as string] : []), async ({ keys, args, store, lineages, origin }) => {
    if (args.positional.length === 0) throw new UsageError('expected at least one FILE');
    const to = args.values.get('to');
    const plan = await planRotation(args.positional, keys, { to, kdf: args.values.get('kdf') });
    const targetOrigin = to && plan.target ? { ...origin(to, '--to'), label: plan.target.label, version: plan.target.version } : null;
    for (const w of targetOrigin?.warnings ?? []) out.warn(`enclog: warning: ${w}`);
    store.rememberLogs(plan.files.filter((f) => !f.error).map((f) => f.path));
    keys.audit({ action: 'rotation', detail: `plan of ${plan.files.length} file(s)${plan.target ? ` to ${plan.target.label}` : ''}: ${plan.files.map((f) => `${f.path} ${JSON.stringify(f.fieldsByKey)}`).join('; ')}` });
    const notes = await lineageNotes(() => keys.resolver.versions(), lineages);
    if (args.flags.has('json')) await out.json({ ...plan, targetOrigin, lineages: Object.fromEntries(notes) });
    else {
      if (targetOrigin) await out.line(targetOriginText(targetOrigin));
      for (const f of plan.files) {
        if (f.error) {
          await out.line(`${f.path}: ERROR ${f.error}`);
          continue;
        }
        await out.line(`${f.path}: ${f.format} log, ${f.entries} entries, ${f.fields} encrypted values, ${f.bytes} bytes`);
        await out.line('  entries per key version:');
        for (const [k, n] of Object.entries(f.entriesByKey).sort((a, b) => b[1] - a[1])) await out.line(`    ${String(n).padStart(8)}  ${withLineage(k, notes)}`);
        if (plan.target) await out.line(`  would rewrite ${f.wouldRewrite} value(s) to ${withLineage(plan.target.label, notes)}; ${f.onTarget} already on it; ${f.failedFields} unreadable`);
        if (f.estimatedSeconds !== null && plan.target) await out.line(`  estimated time: ${fmt(f.estimatedSeconds)}`);
        for (const x of f.failures.slice(0, 20)) await out.line(`  line ${x.line + 1}: ${x.message}`);
      }
      for (const [k, s] of Object.entries(plan.argon2SecondsPerRun)) await out.line(`Argon2 (${k}) on this machine: ${(s * 1000).toFixed(0)} ms per run per core, ${plan.poolSize} worker(s)`);
      if (plan.target) await out.line(`total estimated time: ${fmt(plan.estimatedSeconds)} (nothing was written)`);
    }
    if (plan.files.some((f) => f.error && f.ioError)) return 2;
    return plan.files.some((f) => f.error || f.failures.length) ? 3 : 0;
  });
}
