// Builds everything with esbuild:
//  - bundles: out/extension.js, out/cli.js, the worker threads out/argon2-worker.js and
//    out/envelope-worker.js (rotation's rewrap), out/media/webview.js. Every JS
//    dependency (node-vault and axios, dbus-next, ...) is bundled in; only native modules stay
//    external and are resolved from node_modules at run time: @node-rs/argon2 (its platform binding
//    ships in the VSIX) and keytar (macOS/Windows only; on Linux the keychain is read over D-Bus).
//    node-vault (with axios) and dbus-next are bundled on their own, into out/vendor-node-vault.js
//    and out/vendor-dbus-next.js, which the extension and CLI bundles require when a Vault or
//    Secret Service key source is first used: they are two thirds of the code, and reading and
//    compiling them was on every activation's path (an env: or file: key source needs neither).
//  - per-file transpile of src/ and test/ into out/ (same tree) for the mocha tiers.
//
//   node scripts/build.mjs               development: bundles with source maps + per-file transpile
//   node scripts/build.mjs --production  what goes into the VSIX (vscode:prepublish): minified
//                                        bundles, no source maps, no per-file transpile
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// usocket and x11 are optional requires inside dbus-next that this project never reaches (see
// normaliseBusAddress in src/core/keys/secret-service.ts): left as failing requires, not bundled.
export const NATIVE_EXTERNALS = ['vscode', 'keytar', '@node-rs/argon2', 'usocket', 'x11'];
const production = process.argv.includes('--production');
/** Dependencies bundled apart (out/vendor-NAME.js), loaded on first use; see the header. */
export const LAZY_VENDOR = ['node-vault', 'dbus-next'];
const vendorFile = (name) => `vendor-${name}`;
/** In the extension and CLI bundles, `require('node-vault')` becomes `require('./vendor-node-vault.js')` (both bundles sit in out/). */
const lazyVendor = {
  name: 'lazy-vendor',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${LAZY_VENDOR.join('|')})$`) }, (args) => ({ path: `./${vendorFile(args.path)}.js`, external: true }));
  },
};

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
  { entryPoints: { extension: 'src/extension/main.ts' }, outdir: 'out', plugins: [lazyVendor] },
  { entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'out', plugins: [lazyVendor] },
  ...LAZY_VENDOR.map((name) => ({ entryPoints: { [vendorFile(name)]: createRequire(import.meta.url).resolve(name) }, outdir: 'out' })),
  { entryPoints: { 'argon2-worker': 'src/core/crypto/argon2-worker.ts' }, outdir: 'out' },
  { entryPoints: { 'envelope-worker': 'src/core/rotation/envelope-worker.ts' }, outdir: 'out' },
].filter((b) => exists(Object.values(b.entryPoints)[0]));

// A production build must not leave a development map next to a minified bundle.
if (production) for (const f of ['extension', 'cli', 'argon2-worker', 'envelope-worker', 'media/webview', ...LAZY_VENDOR.map(vendorFile)]) rmSync(join('out', `${f}.js.map`), { force: true });

await Promise.all([
  ...bundles.map((b) => build({ ...common, ...b, bundle: true, external: NATIVE_EXTERNALS })),
  exists('media/webview.ts')
    ? build({ entryPoints: { webview: 'media/webview.ts' }, outdir: 'out/media', bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production, logLevel: 'warning' })
    : Promise.resolve(),
  production ? Promise.resolve() : build({ ...common, sourcemap: true, minify: false, entryPoints: [...walk('src'), ...walk('test')], outdir: 'out', outbase: '.', bundle: false }),
]);
console.log(`built ${bundles.length} bundles${production ? ' (production: minified, no source maps)' : ''}`);
