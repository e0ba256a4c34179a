// Builds everything with esbuild:
//  - bundles: out/extension.js, out/cli.js, out/argon2-worker.js, out/media/webview.js
//  - per-file transpile of src/ and test/ into out/ (same tree) for the mocha tiers.
import { build } from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const external = ['vscode', 'dbus-next', 'keytar', '@node-rs/argon2', 'node-vault', '@napi-rs/keyring', 'playwright-core', 'mocha', 'fast-check'];
const watch = process.argv.includes('--watch');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const common = { platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
const exists = (p) => { try { statSync(p); return true; } catch { return false; } };
const bundles = [
  { entryPoints: { extension: 'src/extension/main.ts' }, outdir: 'out' },
  { entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'out' },
  { entryPoints: { 'argon2-worker': 'src/core/crypto/argon2-worker.ts' }, outdir: 'out' },
].filter((b) => exists(Object.values(b.entryPoints)[0]));

await Promise.all([
  ...bundles.map((b) => build({ ...common, ...b, bundle: true, external })),
  exists('media/webview.ts')
    ? build({ entryPoints: { webview: 'media/webview.ts' }, outdir: 'out/media', bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, logLevel: 'warning' })
    : Promise.resolve(),
  build({ ...common, entryPoints: [...walk('src'), ...walk('test')], outdir: 'out', outbase: '.', bundle: false }),
]);
if (!watch) console.log(`built ${bundles.length} bundles`);
