// Builds everything with esbuild:
//  - bundles: out/extension.js, out/cli.js, the worker threads out/argon2-worker.js and
//    out/envelope-worker.js (rotation's rewrap), out/media/webview.js. Every JS
//    dependency (node-vault and axios, dbus-next, ...) is bundled in; only native modules stay
//    external and are resolved from node_modules at run time: @node-rs/argon2 (its platform binding
//    ships in the VSIX) and keytar (macOS/Windows only; on Linux the keychain is read over D-Bus).
//  - per-file transpile of src/ and test/ into out/ (same tree) for the mocha tiers.
//
//   node scripts/build.mjs               development: bundles with source maps + per-file transpile
//   node scripts/build.mjs --production  what goes into the VSIX (vscode:prepublish): minified
//                                        bundles, no source maps, no per-file transpile
//   --out DIR                            another output directory than out/ (the build's own test)
//
// The per-file transpile first removes DIR/test and DIR/src: compiled copies of test (or source)
// files that were renamed or deleted would otherwise stay there, and the mocha globs
// (out/test/**/*.test.js) would keep running tests that no longer exist.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

// usocket and x11 are optional requires inside dbus-next that this project never reaches (see
// normaliseBusAddress in src/core/keys/secret-service.ts): left as failing requires, not bundled.
export const NATIVE_EXTERNALS = ['vscode', 'keytar', '@node-rs/argon2', 'usocket', 'x11'];
const production = process.argv.includes('--production');
const outIndex = process.argv.indexOf('--out');
const outRoot = outIndex > 0 ? process.argv[outIndex + 1] : 'out';
if (!outRoot || outRoot.startsWith('--')) throw new Error('--out takes a directory');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const common = { platform: 'node', target: 'node20', format: 'cjs', sourcemap: !production, minify: production, logLevel: 'warning' };
const exists = (p) => { try { statSync(p); return true; } catch { return false; } };
const bundles = [
  { entryPoints: { extension: 'src/extension/main.ts' }, outdir: outRoot },
  { entryPoints: { cli: 'src/cli/main.ts' }, outdir: outRoot },
  { entryPoints: { 'argon2-worker': 'src/core/crypto/argon2-worker.ts' }, outdir: outRoot },
  { entryPoints: { 'envelope-worker': 'src/core/rotation/envelope-worker.ts' }, outdir: outRoot },
].filter((b) => exists(Object.values(b.entryPoints)[0]));

// A production build must not leave a development map next to a minified bundle.
if (production) for (const f of ['extension', 'cli', 'argon2-worker', 'envelope-worker', 'media/webview']) rmSync(join(outRoot, `${f}.js.map`), { force: true });
// Compiled tests and sources are rebuilt from scratch: nothing of a deleted or renamed file survives.
if (!production) for (const d of ['test', 'src']) rmSync(join(outRoot, d), { recursive: true, force: true });

await Promise.all([
  ...bundles.map((b) => build({ ...common, ...b, bundle: true, external: NATIVE_EXTERNALS })),
  exists('media/webview.ts')
    ? build({ entryPoints: { webview: 'media/webview.ts' }, outdir: join(outRoot, 'media'), bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production, logLevel: 'warning' })
    : Promise.resolve(),
  production ? Promise.resolve() : build({ ...common, sourcemap: true, minify: false, entryPoints: [...walk('src'), ...walk('test')], outdir: outRoot, outbase: '.', bundle: false }),
]);
console.log(`built ${bundles.length} bundles${production ? ' (production: minified, no source maps)' : ''}`);
