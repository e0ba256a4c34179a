import * as vscode from 'vscode';
import type { Audit } from './audit';
import { VIEWER_AND_KEY_COMMANDS } from './commands';
import type { ExtensionSettings } from './config';
import type { EngineHost } from './engineHost';
import type { KeyTreeProvider } from './keyTree';
import { POLICY_COMMANDS, type PolicyHandle } from './policy';
import { ROTATION_COMMANDS } from './rotationCommands';
import type { StateStore } from '../core/rotation';
import { VAULT_CONSENT_COMMANDS, type VaultAddressConsent } from './vaultAddressConsent';
import type { LogViewerProvider } from './viewer';

/** What a command factory is given: the window's services, made once at activation. */
export interface CommandContext {
  context: vscode.ExtensionContext;
  settings: ExtensionSettings;
  engines: EngineHost;
  viewer: LogViewerProvider;
  tree: KeyTreeProvider;
  audit: Audit;
  /** Retired versions and known logs (rotation). */
  rotationState: StateStore;
  policy: PolicyHandle;
  /** The user's consent to a Vault address named by the workspace's settings files. */
  vaultConsent: VaultAddressConsent;
}

export type CommandHandler = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
export type CommandFactory = (ctx: CommandContext) => CommandHandler;

function merge(...tables: Record<string, CommandFactory>[]): Readonly<Record<string, CommandFactory>> {
  const all: Record<string, CommandFactory> = {};
  for (const t of tables) {
    for (const [id, make] of Object.entries(t)) {
      if (id in all) throw new Error(`command ${id} is defined twice`);
      all[id] = make;
    }
  }
  return Object.freeze(all);
}

/**
 * Every command of the extension (id -> factory), from each feature's table. This is the only place
 * commands are registered; the unit and host tests compare it with package.json `contributes.commands`
 * both ways.
 */
export const COMMANDS = merge(VIEWER_AND_KEY_COMMANDS, ROTATION_COMMANDS, POLICY_COMMANDS, VAULT_CONSENT_COMMANDS);

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, make]) => vscode.commands.registerCommand(id, make(ctx)));
}
