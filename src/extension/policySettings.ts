import * as vscode from 'vscode';
import { parsePolicy, PolicyConfigError, type PolicyConfig } from './policyCore';
import { trustedSetting } from './trustedSettings';

export const POLICY_SECTION = 'encryptedLogs.policy';

/**
 * `encryptedLogs.policy.*` gathered into the core's policy object. An invalid value falls back to the
 * defaults for the whole policy and is reported through `onError` (never a silently weaker policy).
 * In Restricted Mode the user's values only (a workspace could otherwise silence an overdue key).
 */
export function policySettings(onError?: (message: string) => void, scope?: vscode.Uri, trusted?: boolean): PolicyConfig {
  const get = <T>(key: string): T | undefined => trustedSetting<T>(POLICY_SECTION, key, { scope, trusted });
  const raw = {
    rotationIntervalDays: get<number>('rotationIntervalDays'),
    volumeTrigger: { entries: get<number>('volumeTriggerEntries') || undefined, gb: get<number>('volumeTriggerGB') || undefined },
    requiredAlgorithm: get<string>('requiredAlgorithm'),
    minArgon2: get<{ m?: number; t?: number; p?: number }>('minArgon2'),
    encryptedOnlyPaths: get<string[]>('encryptedOnlyPaths'),
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
  return trustedSetting<boolean>(POLICY_SECTION, 'deepScan') === true;
}
