/** CLI: `node out/test/host/prepare-workspace.js DIR [--symbiont N] [--envelope N]` (see workspace.ts). */
import { prepareWorkspace } from './workspace';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args[0];
  if (!dir) {
    console.error('usage: prepare-workspace DIR [--symbiont N] [--envelope N]');
    process.exit(2);
  }
  const num = (flag: string): number | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const t0 = Date.now();
  const ws = await prepareWorkspace(dir, { symbiontEntries: num('--symbiont'), envelopeEntries: num('--envelope') });
  console.error(`fixture workspace ${ws.dir} ready in ${Date.now() - t0} ms`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
