// Per-platform VSIX packaging with vsce. Every JS dependency is bundled into out/ by esbuild
// (vscode:prepublish = build.mjs --production); the only node_modules files shipped are native
// modules needed at run time, chosen per target on top of the allow-list in .vscodeignore:
//   - @node-rs/argon2's binding for the target (the Symbiont KDF; used by out/argon2-worker.js),
//   - keytar on macOS and Windows only (on Linux the keychain is read over D-Bus in pure JS).
// A target's binding must be installed in node_modules: package each target on its own platform
// (or a CI matrix job of it); see README "Packaging".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './code-server.mjs';

/** vsce target -> @node-rs/argon2 binding package and whether keytar ships. */
export const VSIX_TARGETS = {
  'linux-x64': { argon2: 'argon2-linux-x64-gnu', keytar: false },
  'linux-arm64': { argon2: 'argon2-linux-arm64-gnu', keytar: false },
  'linux-armhf': { argon2: 'argon2-linux-arm-gnueabihf', keytar: false },
  'alpine-x64': { argon2: 'argon2-linux-x64-musl', keytar: false },
  'alpine-arm64': { argon2: 'argon2-linux-arm64-musl', keytar: false },
  'darwin-x64': { argon2: 'argon2-darwin-x64', keytar: true },
  'darwin-arm64': { argon2: 'argon2-darwin-arm64', keytar: true },
  'win32-x64': { argon2: 'argon2-win32-x64-msvc', keytar: true },
  'win32-arm64': { argon2: 'argon2-win32-arm64-msvc', keytar: true },
};

const KEYTAR_FILES = ['package.json', 'LICENSE.md', 'lib/**', 'build/Release/keytar.node'];

/** The vsce target of the machine this runs on (null when none of ours). */
export function hostTarget() {
  const arch = process.arch === 'arm' ? 'armhf' : process.arch;
  let os = process.platform;
  if (os === 'linux' && existsSync('/etc/alpine-release')) os = 'alpine';
  const t = `${os}-${arch}`;
  return t in VSIX_TARGETS ? t : null;
}

/** .vscodeignore plus the target's native files, as an ignore file for vsce --ignoreFile. */
export function ignoreFileFor(target) {
  const spec = VSIX_TARGETS[target];
  if (!spec) throw new Error(`unknown target ${target}; one of ${Object.keys(VSIX_TARGETS).join(', ')}`);
  const lines = [readFileSync(join(repoRoot, '.vscodeignore'), 'utf8').trimEnd(), `# added by scripts/lib/vsix.mjs for ${target}`, `!node_modules/@node-rs/${spec.argon2}/**`];
  if (spec.keytar) lines.push(...KEYTAR_FILES.map((f) => `!node_modules/keytar/${f}`));
  return `${lines.join('\n')}\n`;
}

function missingNatives(target) {
  const spec = VSIX_TARGETS[target];
  const need = [join('@node-rs', spec.argon2, 'package.json'), join('@node-rs', 'argon2', 'index.js')];
  if (spec.keytar) need.push(join('keytar', 'build', 'Release', 'keytar.node'));
  return need.filter((p) => !existsSync(join(repoRoot, 'node_modules', p)));
}

/** Lists the files of a VSIX (unzip -Z1) with the archive's size. */
export function vsixContents(vsix) {
  const r = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unzip -Z1 ${vsix} failed: ${r.stderr}`);
  const files = r.stdout.split('\n').filter((l) => l && !l.endsWith('/'));
  return { files, bytes: statSync(vsix).size };
}

/**
 * Packages the VSIX for `target` into `out`; returns { vsix, files, bytes }. vsce runs
 * vscode:prepublish (the production build) first; the development bundles are rebuilt afterwards
 * so that the tiers keep their source maps.
 */
export function packageVsix({ target = hostTarget(), out = join(repoRoot, 'out', `encrypted-log-inspector-${target}.vsix`), restoreDevBuild = true } = {}) {
  if (!target) throw new Error(`no VSIX target for ${process.platform}-${process.arch}`);
  const missing = missingNatives(target);
  if (missing.length) {
    throw new Error(`cannot package ${target}: native module files not installed: ${missing.join(', ')}. Package each target on its own platform after npm ci (see README "Packaging").`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'enclog-vsix-'));
  const ignoreFile = join(tmp, '.vscodeignore');
  writeFileSync(ignoreFile, ignoreFileFor(target));
  try {
    const r = spawnSync(process.execPath, [
      join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--target', target, '--ignoreFile', ignoreFile,
      '--allow-missing-repository', '--baseContentUrl', 'https://example.invalid/enclog', '--baseImagesUrl', 'https://example.invalid/enclog',
      '-o', out,
    ], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`vsce package --target ${target} failed (exit ${r.status})`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    if (restoreDevBuild) spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  }
  return { vsix: out, ...vsixContents(out) };
}
