import * as vscode from 'vscode';

/**
 * Settings a workspace could turn against the user: which key version is primary (so where rotation
 * writes), whether an overdue key of the user's is flagged, how much is decrypted with the user's keys
 * on its own. In Restricted Mode only the user's value counts. They are also declared in
 * `capabilities.untrustedWorkspaces.restrictedConfigurations` (VS Code then leaves workspace values out
 * of get()); reading inspect() here makes it hold whatever the VS Code version does, and lets a trusted
 * test window check the untrusted reading. (keySources has its own reader; the vault.* settings and
 * keyCacheIdleMinutes are machine-scoped and read from user settings only, trusted or not.)
 */
export const RESTRICTED_SETTINGS = [
  'encryptedLogs.keySources',
  'encryptedLogs.keyLineages',
  'encryptedLogs.autoCensusMaxEntries',
  'encryptedLogs.policy.rotationIntervalDays',
  'encryptedLogs.policy.volumeTriggerEntries',
  'encryptedLogs.policy.volumeTriggerGB',
  'encryptedLogs.policy.requiredAlgorithm',
  'encryptedLogs.policy.minArgon2',
  'encryptedLogs.policy.encryptedOnlyPaths',
  'encryptedLogs.policy.deepScan',
] as const;

/** `section.key`: as configured when the workspace is trusted; else the user's value, or the default. */
export function trustedSetting<T>(section: string, key: string, opts: { scope?: vscode.Uri; trusted?: boolean } = {}): T | undefined {
  const cfg = vscode.workspace.getConfiguration(section, opts.scope);
  if (opts.trusted ?? vscode.workspace.isTrusted) return cfg.get<T>(key);
  const i = cfg.inspect<T>(key);
  return i?.globalValue ?? i?.defaultValue;
}
