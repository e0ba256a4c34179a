// npm run bench [-- --smoke] [--only P1,P2] [--data-dir DIR] [--no-build]
// Builds the project (out/, incl. the Argon2 worker), bundles bench/main.ts to out/bench.js and runs
// it. Figures go to stdout as JSON lines, progress to stderr. Inputs: bench-data/ (gitignored).
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const run = (args, stdio = 'inherit') => spawnSync(process.execPath, args, { cwd: root, stdio }).status ?? 1;

if (!argv.includes('--no-build')) {
  const status = run(['scripts/build.mjs'], ['ignore', 2, 2]); // stdout stays JSON figures only
  if (status !== 0) process.exit(status);
}
await build({
  entryPoints: { bench: join(root, 'bench/main.ts') },
  outdir: join(root, 'out'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['vscode', 'dbus-next', 'keytar', '@node-rs/argon2', 'node-vault', '@napi-rs/keyring'],
});
process.exit(run(['--expose-gc', '--max-old-space-size=4096', 'out/bench.js', ...argv.filter((a) => a !== '--no-build')]));
