/** Short key-age / volume badges for trees and status bars (pure; the extension renders them). */
import type { AgedKey, KeyVolume, PolicyConfig } from './model';
import { formatBytes, keyAge } from './rules';

export interface KeyBadge {
  /** e.g. `overdue 120d`, `rotate in 5d`, `rotate: 1.2M entries`. */
  text: string;
  tooltip: string;
  level: 'overdue' | 'volume' | 'due-soon';
}

/** Days before the due date from which a primary version shows `rotate in Nd`. */
export const DUE_SOON_DAYS = 14;

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  return String(n);
}

/** Badge of one version, or undefined when nothing is due. Only primary versions are ever due. */
export function keyPolicyBadge(info: AgedKey, policy: PolicyConfig, now: Date, volume?: KeyVolume): KeyBadge | undefined {
  if (info.role !== 'primary') return undefined;
  const age = keyAge(info.createdTime ?? info.modifiedTime, policy, now);
  const badges: KeyBadge[] = [];
  if (age?.overdue) {
    badges.push({
      text: `overdue ${age.ageDays}d`,
      tooltip: `${age.ageDays} days old; the policy rotates every ${policy.rotationIntervalDays} days (overdue by ${-age.dueInDays} days)`,
      level: 'overdue',
    });
  }
  const t = policy.volumeTrigger;
  if (volume && ((t.entries && volume.entries >= t.entries) || (t.bytes && volume.bytes >= t.bytes))) {
    const over = t.entries && volume.entries >= t.entries ? `${compact(volume.entries)} entries` : formatBytes(volume.bytes);
    badges.push({ text: `rotate: ${over}`, tooltip: `encrypted ${volume.entries} entries / ${formatBytes(volume.bytes)} in the counted logs, past the policy's volume trigger`, level: 'volume' });
  }
  if (badges.length === 0 && age && age.dueInDays <= DUE_SOON_DAYS) {
    badges.push({ text: `rotate in ${age.dueInDays}d`, tooltip: `${age.ageDays} days old; due for rotation in ${age.dueInDays} days`, level: 'due-soon' });
  }
  if (badges.length === 0) return undefined;
  return { text: badges.map((b) => b.text).join(' · '), tooltip: badges.map((b) => b.tooltip).join('\n'), level: badges[0]!.level };
}
