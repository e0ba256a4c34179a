import * as vscode from 'vscode';
import { parsePolicy, PolicyConfigError, type PolicyConfig } from './policyCore';

export const POLICY_SECTION = 'encryptedLogs.policy';

/**
 * `encryptedLogs.policy.*` gathered into the core's policy object. An invalid value falls back to the
 * defaults for the whole policy and is reported through `onError` (never a silently weaker policy).
 */
export function policySettings(onError?: (message: string) => void, scope?: vscode.Uri): PolicyConfig {
  const cfg = vscode.workspace.getConfiguration(POLICY_SECTION, scope);
  const raw = {
    rotationIntervalDays: cfg.get<number>('rotationIntervalDays'),
    volumeTrigger: { entries: cfg.get<number>('volumeTriggerEntries') || undefined, gb: cfg.get<number>('volumeTriggerGB') || undefined },
    requiredAlgorithm: cfg.get<string>('requiredAlgorithm'),
    minArgon2: cfg.get<{ m?: number; t?: number; p?: number }>('minArgon2'),
    encryptedOnlyPaths: cfg.get<string[]>('encryptedOnlyPaths'),
  };
  try {
    return parsePolicy(JSON.parse(JSON.stringify(raw)), POLICY_SECTION);
  } catch (e) {
    if (!(e instanceof PolicyConfigError)) throw e;
    onError?.(`${e.message}; using the default policy`);
    return parsePolicy(undefined);
  }
}

export function deepScanSetting(): boolean {
  return vscode.workspace.getConfiguration(POLICY_SECTION).get<boolean>('deepScan') === true;
}
