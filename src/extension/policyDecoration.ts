import type { KeyVersionInfo } from './core';
import { keyPolicyBadge, type KeyBadge } from './policyCore';
import { policySettings } from './policySettings';

/**
 * Description suffix for a key-version tree item: `overdue 120d` (age, past the rotation interval),
 * `rotate: 1.2M entries` (past the volume trigger, from the entry counts of the open logs), or
 * `rotate in 10d` (due within two weeks). Undefined when nothing is due or the version is not primary.
 */
export function policyKeyBadge(info: KeyVersionInfo, counts?: ReadonlyMap<string, number>, now = new Date()): KeyBadge | undefined {
  const entries = counts?.get(info.label);
  return keyPolicyBadge(info, policySettings(), now, entries !== undefined ? { entries, bytes: 0 } : undefined);
}
