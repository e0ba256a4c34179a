#!/usr/bin/env node
// npm run package [-- --target linux-x64] [-- -o FILE]: a bundled, per-platform VSIX (see lib/vsix.mjs).
// Prints the VSIX path, its file count and size; fails when a target's native binding is not installed.
import { packageVsix, hostTarget } from './lib/vsix.mjs';

const argv = process.argv.slice(2);
const opt = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
try {
  const { vsix, files, bytes } = packageVsix({ target: opt('--target') ?? hostTarget(), ...(opt('-o') ? { out: opt('-o') } : {}) });
  console.log(`${vsix}: ${files.length} files, ${(bytes / 1024 / 1024).toFixed(2)} MB`);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
