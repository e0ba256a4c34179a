import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const importsIn = (source: string) =>
  [...source.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
const importsOf = (file: string) => importsIn(readFileSync(file, 'utf8'));

describe('architecture', () => {
  const core = sources(join(root, 'src/core'));

  it('finds the core sources it checks', () => {
    assert.ok(core.length >= 10, `expected the core's sources, found ${core.length}`);
  });

  it('src/core never imports vscode, the extension or the CLI', () => {
    const offenders = core.flatMap((f) =>
      importsOf(f)
        .filter((m) => m === 'vscode' || /(^|\/)(extension|cli)\//.test(m))
        .map((m) => `${relative(root, f)} imports ${m}`),
    );
    assert.deepEqual(offenders, []);
  });

  it('the check itself sees a vscode import when there is one', () => {
    assert.deepEqual(
      ["import * as vscode from 'vscode';", "const v = require('vscode')", "import type { X } from '../../extension/y'"].map(importsIn),
      [['vscode'], ['vscode'], ['../../extension/y']],
    );
  });
});
