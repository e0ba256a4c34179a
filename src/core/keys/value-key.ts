import type { KeyVersionInfo } from '../model';
import { parseKeyValue } from './key-value';
import type { LoadedKey } from './types';
import { buildVersionInfos, type VersionDraft } from './versions';

/** One stored key string turned into a version draft plus its material. */
export interface ValueVersion {
  draft: VersionDraft;
  material: Buffer;
}

/** Drafts a version from a key string; KEKs are labelled by their key id unless a version is given. */
export function valueVersion(value: string, version: string | undefined, order: number, extra: Partial<VersionDraft> = {}): ValueVersion {
  const parsed = parseKeyValue(value);
  const draft: VersionDraft = {
    version: version ?? (parsed.kind === 'kek' ? parsed.keyId : 'current'),
    kind: parsed.kind,
    order,
    ...extra,
  };
  if (parsed.kind === 'kek') draft.keyId = parsed.keyId;
  return { draft, material: parsed.material };
}

/** Builds the loaded keys of a source from its values (roles assigned, unusable versions dropped). */
export function loadedKeys(
  sourceRef: string,
  values: ValueVersion[],
  opts: { multiVersion: boolean; retired?: ReadonlySet<string> },
): LoadedKey[] {
  const infos = buildVersionInfos(sourceRef, values.map((v) => v.draft), opts);
  const byVersion = new Map(values.map((v) => [v.draft.version, v.material]));
  return infos.flatMap((info): LoadedKey[] => {
    const material = byVersion.get(info.version);
    if (info.unusable || !material) return [];
    return [{ info, material }];
  });
}

/** Metadata only: material is zero-filled once the roles are known. */
export function listedInfos(keys: LoadedKey[]): KeyVersionInfo[] {
  for (const k of keys) k.material?.fill(0);
  return keys.map((k) => k.info);
}
