/** CLI: `node out/test/host/prepare-workspace.js DIR [--symbiont N] [--envelope N]` (see workspace.ts). */
import { prepareWorkspace, writeLargeEnvelopeLog } from './workspace';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args[0];
  if (!dir) {
    console.error('usage: prepare-workspace DIR [--symbiont N] [--envelope N] [--large N]');
    process.exit(2);
  }
  const num = (flag: string): number | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const t0 = Date.now();
  const ws = await prepareWorkspace(dir, { symbiontEntries: num('--symbiont'), envelopeEntries: num('--envelope') });
  // ENCLOG_HOST_PERF=100000,1000000 (or --large N): big envelope logs for the performance checks
  const large = [...(process.env.ENCLOG_HOST_PERF ?? '').split(','), String(num('--large') ?? '')].map(Number).filter((n) => n > 0);
  for (const n of large) {
    const t1 = Date.now();
    const f = await writeLargeEnvelopeLog(dir, n);
    console.error(`wrote ${f} (${n} entries) in ${Date.now() - t1} ms`);
  }
  console.error(`fixture workspace ${ws.dir} ready in ${Date.now() - t0} ms`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
