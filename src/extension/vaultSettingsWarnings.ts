import * as vscode from 'vscode';
import type { Audit } from './audit';
import type { ExtensionSettings } from './config';
import { plainHttpWarning } from './core';

/**
 * Says, visibly, when the Vault address in use is plain http to a non-loopback host. Checked at
 * activation, on every settings change and when an allowed workspace address comes into effect.
 * (What a workspace's settings name is VaultAddressConsent's.)
 */
export function warnAboutVaultSettings(audit: Audit, settings: ExtensionSettings): vscode.Disposable {
  const said = new Set<string>();
  const check = (): void => {
    const endpoint = settings.current.vault.endpoint ?? process.env.VAULT_ADDR;
    const plain = endpoint ? plainHttpWarning(endpoint) : undefined;
    if (plain && !said.has(plain)) {
      said.add(plain);
      audit.channel.warn(plain);
      void vscode.window.showWarningMessage(`Encrypted Logs: ${plain}`);
    }
  };
  check();
  // the consented workspace address counts as a change of `vault` (main.ts: consent -> settings.refresh())
  return settings.onDidChange((e) => e.affects('vault') && check());
}
