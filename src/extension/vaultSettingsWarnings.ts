import * as vscode from 'vscode';
import type { Audit } from './audit';
import { SECTION, vaultSettings, workspaceVaultOverrides } from './config';
import { plainHttpWarning } from './core';

/**
 * Says, visibly and naming the value, when a workspace tries to set where the Vault token goes (ignored:
 * those settings are `machine`-scoped and read from user settings only), and when the user's own Vault
 * address is plain http to a non-loopback host. Checked at activation and on every settings change.
 */
export function warnAboutVaultSettings(audit: Audit): vscode.Disposable {
  const said = new Set<string>();
  const check = (): void => {
    for (const o of workspaceVaultOverrides()) {
      const msg = `This workspace sets ${SECTION}.${o.key} to "${o.value}": ignored. Only your user settings choose the Vault address and how the token is obtained.`;
      audit.channel.warn(msg);
      if (!said.has(msg)) void vscode.window.showWarningMessage(`Encrypted Logs: ${msg}`);
      said.add(msg);
    }
    const endpoint = vaultSettings().endpoint ?? process.env.VAULT_ADDR;
    const plain = endpoint ? plainHttpWarning(endpoint) : undefined;
    if (plain && !said.has(plain)) {
      said.add(plain);
      audit.channel.warn(plain);
      void vscode.window.showWarningMessage(`Encrypted Logs: ${plain}`);
    }
  };
  check();
  return vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(`${SECTION}.vault`) && check());
}
