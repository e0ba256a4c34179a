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
//  - the native batch AES-GCM kernel (native/gcm-batch, N-API over the OpenSSL the running Node
//    exports) into out/native/gcm_batch.node, when a C toolchain and the running Node's headers are
//    present (offline: node-gyp --nodedir = this Node's prefix). Otherwise one line says so and the
//    JavaScript kernel is used at run time (src/core/crypto/gcm-kernel.ts).
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
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

// usocket and x11 are optional requires inside dbus-next that this project never reaches (see
// normaliseBusAddress in src/core/keys/secret-service.ts): left as failing requires, not bundled.
export const NATIVE_EXTERNALS = ['vscode', 'keytar', '@node-rs/argon2', 'usocket', 'x11'];
const production = process.argv.includes('--production');
const outIndex = process.argv.indexOf('--out');
const outRoot = outIndex > 0 ? process.argv[outIndex + 1] : 'out';
if (!outRoot || outRoot.startsWith('--')) throw new Error('--out takes a directory');
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
  { entryPoints: { extension: 'src/extension/main.ts' }, outdir: outRoot, plugins: [lazyVendor] },
  { entryPoints: { cli: 'src/cli/main.ts' }, outdir: outRoot, plugins: [lazyVendor] },
  ...LAZY_VENDOR.map((name) => ({ entryPoints: { [vendorFile(name)]: createRequire(import.meta.url).resolve(name) }, outdir: outRoot })),
  { entryPoints: { 'argon2-worker': 'src/core/crypto/argon2-worker.ts' }, outdir: outRoot },
  { entryPoints: { 'envelope-worker': 'src/core/rotation/envelope-worker.ts' }, outdir: outRoot },
].filter((b) => exists(Object.values(b.entryPoints)[0]));

// A production build must not leave a development map next to a minified bundle.
if (production) for (const f of ['extension', 'cli', 'argon2-worker', 'envelope-worker', 'media/webview', ...LAZY_VENDOR.map(vendorFile)]) rmSync(join(outRoot, `${f}.js.map`), { force: true });
// Compiled tests and sources are rebuilt from scratch: nothing of a deleted or renamed file survives.
if (!production) for (const d of ['test', 'src']) rmSync(join(outRoot, d), { recursive: true, force: true });

await Promise.all([
  ...bundles.map((b) => build({ ...common, ...b, bundle: true, external: NATIVE_EXTERNALS })),
  exists('media/webview.ts')
    ? build({ entryPoints: { webview: 'media/webview.ts' }, outdir: join(outRoot, 'media'), bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production, logLevel: 'warning' })
    : Promise.resolve(),
  production ? Promise.resolve() : build({ ...common, sourcemap: true, minify: false, entryPoints: [...walk('src'), ...walk('test')], outdir: outRoot, outbase: '.', bundle: false }),
]);
console.log(buildNativeGcm());
console.log(`built ${bundles.length} bundles${production ? ' (production: minified, no source maps)' : ''}`);

/** Builds out/native/gcm_batch.node (skipped when newer than its sources); returns the one line to print. */
function buildNativeGcm() {
  const src = 'native/gcm-batch';
  const out = join('out', 'native', 'gcm_batch.node');
  const sources = ['gcm_batch.c', 'gcm_one.c', 'gcm_one.h', 'envelope_scan.c', 'envelope_scan.h', 'envelope_batch.c', 'envelope_batch.h', 'base64.c', 'base64.h', 'binding.gyp'].map((f) => join(src, f));
  if (existsSync(out) && sources.every((f) => statSync(f).mtimeMs <= statSync(out).mtimeMs)) return `native AES-GCM kernel: ${out} (up to date)`;
  const fallback = 'the JavaScript AES-GCM kernel will be used';
  const prefix = resolve(process.execPath, '..', '..');
  const headers = [join(prefix, 'include', 'node', 'node_api.h'), join(prefix, 'include', 'node', 'openssl', 'evp.h')];
  const noHeaders = headers.filter((h) => !existsSync(h));
  if (noHeaders.length) return `native AES-GCM kernel not built: the running Node ships no headers (${noHeaders.join(', ')}); ${fallback}`;
  const tools = ['make', 'cc', 'python3'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (tools.length) return `native AES-GCM kernel not built: no ${tools.join(', ')} on PATH; ${fallback}`;
  const gyp = [
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join('node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].find((p) => p && existsSync(p));
  if (!gyp) return `native AES-GCM kernel not built: node-gyp not found (npm's bundled one or node_modules); ${fallback}`;
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${prefix}`], { cwd: src, encoding: 'utf8', env: { ...process.env, npm_config_nodedir: prefix } });
  const built = join(src, 'build', 'Release', 'gcm_batch.node');
  if (r.status !== 0 || !existsSync(built)) {
    const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' | ');
    return `native AES-GCM kernel: build FAILED (node-gyp exit ${r.status}: ${why || 'see node-gyp output'}); ${fallback}`;
  }
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(built, out);
  return `native AES-GCM kernel: built ${out} against ${prefix}/include/node`;
}
