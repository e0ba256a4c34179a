import { formatOption, onePositional, withEngine } from '../context';
import { terminalSafeValue as v, type Output } from '../output';

export const INSPECT_USAGE = 'enclog inspect FILE [--key REF]... [--format symbiont|envelope|transit] [--max-trials N] [--json]';

export function inspectCommand(argv: string[], out: Output): Promise<number> {
  return withEngine(argv, { values: ['format', 'max-trials'] }, out, async (engine, args) => {
    const session = await engine.open(onePositional(args, 'FILE'), { format: formatOption(args) });
    try {
      const s = await session.survey();
      const report = {
        file: session.path,
        format: session.format,
        bytes: session.byteLength(),
        entries: s.entries,
        firstTimestamp: s.firstTime,
        lastTimestamp: s.lastTime,
        keys: Object.fromEntries([...s.byKey].sort((a, b) => b[1] - a[1])),
        failures: s.failures,
        orphanUpdates: session.orphanUpdates ?? [],
      };
      if (args.flags.has('json')) await out.json(report);
      else {
        await out.line(`${report.file}: ${report.format} log, ${report.entries} entries, ${report.bytes} bytes`);
        await out.line(`time range: ${v(report.firstTimestamp ?? '-')} .. ${v(report.lastTimestamp ?? '-')}`);
        await out.line('entries per key version:');
        for (const [label, n] of Object.entries(report.keys)) await out.line(`  ${String(n).padStart(8)}  ${v(label)}`);
        await out.line(`failures: ${s.failures.length}`);
        for (const f of s.failures) await out.line(`  entry ${f.index} (line ${f.line + 1}) ${f.reason}: ${v(f.message)}`);
        for (const o of report.orphanUpdates) await out.line(`  UPDATE on line ${o.line + 1} for ${o.id == null ? 'an unreadable id' : v(o.id)} matches no entry${o.error ? `: ${v(o.error)}` : ''}`);
      }
      return s.failures.length > 0 ? 3 : 0;
    } finally {
      await session.close();
    }
  });
}
