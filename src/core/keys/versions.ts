import type { KeyKind } from '../model';
import type { ListedKeyVersion, UnusableReason } from './types';

/** What a source knows about one version before roles are assigned. */
export interface VersionDraft {
  version: string;
  kind: KeyKind;
  keyId?: string;
  order: number;
  createdTime?: string;
  unusable?: UnusableReason;
  /** Never primary, whatever its order (e.g. `*_PREVIOUS` env keys). */
  decryptOnly?: boolean;
}

export function versionLabel(sourceRef: string, version: string, multiVersion: boolean): string {
  return multiVersion ? `${sourceRef}@${version}` : sourceRef;
}

/**
 * Assigns roles within one source: the newest usable, non-retired version is primary, other usable
 * versions are decrypt-only; unusable versions and those in `retired` are 'retired'. Sorted oldest first.
 */
export function buildVersionInfos(
  sourceRef: string,
  drafts: VersionDraft[],
  opts: { multiVersion: boolean; retired?: ReadonlySet<string> },
): ListedKeyVersion[] {
  const sorted = [...drafts].sort((a, b) => a.order - b.order);
  const infos: ListedKeyVersion[] = sorted.map((d) => {
    const info: ListedKeyVersion = {
      sourceRef,
      version: d.version,
      label: versionLabel(sourceRef, d.version, opts.multiVersion),
      kind: d.kind,
      order: d.order,
      role: 'decrypt-only',
    };
    if (d.keyId !== undefined) info.keyId = d.keyId;
    if (d.createdTime !== undefined) info.createdTime = d.createdTime;
    if (d.unusable !== undefined) info.unusable = d.unusable;
    if (d.unusable || opts.retired?.has(info.label)) info.role = 'retired';
    return info;
  });
  for (let i = infos.length - 1; i >= 0; i--) {
    if (infos[i].role === 'retired') continue;
    if (!sorted[i].decryptOnly) infos[i].role = 'primary';
    break;
  }
  return infos;
}
