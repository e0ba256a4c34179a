import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';

const root = join(__dirname, '../../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string }[]; menus?: Record<string, { command?: string; submenu?: string }[]>; keybindings?: { command: string }[] };
};

/**
 * Loads the real command tables outside VS Code: `vscode` is answered by an inert stand-in, enough for
 * the modules to load (nothing runs a command here). The host tier checks the same against a real VS Code.
 */
function loadRegistry(): { COMMANDS: Record<string, unknown> } {
  const inert: object = new Proxy(function () {}, { get: (_t, p) => (p === Symbol.toPrimitive ? () => '' : inert), apply: () => inert, construct: () => inert });
  // the bundler's interop copies a module's own keys: name every `vscode.X` the extension's sources use
  const dir = join(root, 'src/extension');
  const names = new Set(readdirSync(dir).flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/\bvscode\.(\w+)/g)].map((m) => m[1]!)));
  const vscode = Object.fromEntries([...names].map((n) => [n, inert]));
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  loader._load = function (request, parent, isMain) {
    return request === 'vscode' ? vscode : original.call(this, request, parent, isMain);
  };
  try {
    return require('../../../src/extension/commandRegistry') as { COMMANDS: Record<string, unknown> };
  } finally {
    loader._load = original;
  }
}

describe('command registration', () => {
  const registered = Object.keys(loadRegistry().COMMANDS).sort();
  const contributed = pkg.contributes.commands.map((c) => c.command).sort();

  it('every contributed command is in the registry, and every registered command is contributed', () => {
    assert.ok(registered.length >= 20, `the registry holds the commands (${registered.length})`);
    assert.deepEqual(
      registered.filter((c) => !contributed.includes(c)),
      [],
      'registered but not contributed',
    );
    assert.deepEqual(
      contributed.filter((c) => !registered.includes(c)),
      [],
      'contributed but not registered',
    );
  });

  it('menus and keybindings name contributed commands only', () => {
    const named = [
      ...Object.values(pkg.contributes.menus ?? {}).flatMap((items) => items.map((i) => i.command).filter((c): c is string => !!c)),
      ...(pkg.contributes.keybindings ?? []).map((k) => k.command),
    ].filter((c) => c.startsWith('encryptedLogs.'));
    assert.deepEqual(
      named.filter((c) => !contributed.includes(c)),
      [],
    );
  });

  it('commands are registered in one place only (commandRegistry.ts)', () => {
    const dir = join(root, 'src/extension');
    const callers = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /\bregisterCommand\s*\(/.test(readFileSync(join(dir, f), 'utf8')));
    assert.deepEqual(callers, ['commandRegistry.ts']);
  });
});
