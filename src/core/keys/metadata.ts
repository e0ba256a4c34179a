import type { KeyKind, KeyVersionInfo } from '../model';
import type { ListedKeyVersion, UnusableReason } from './types';
import { buildVersionInfos, type VersionDraft } from './versions';

/**
 * A key version as its source describes it without handing out key material: what the rotation-age
 * status and `enclog keys list --metadata-only` need. `label`, `role` and `order` are the same as the
 * full listing's (`KeySource.list()`); `kind` and `keyId` are known only where the source records them
 * apart from the value (transit), or where the source had to read the value anyway (`readSecrets`).
 */
export interface KeyVersionMeta extends Omit<KeyVersionInfo, 'kind'> {
  kind?: KeyKind;
  unusable?: UnusableReason;
}

export interface SourceMetadata {
  versions: KeyVersionMeta[];
  /**
   * True when the source could not list without reading secrets (the keychain through keytar on macOS
   * and Windows): the values were read, zero-filled, and not kept. The caller audits it as a key access.
   */
  readSecrets: boolean;
}

/** Version label of a one-value source (file, env) listed without its value: its kind and KEK id are unknown. */
export const UNREAD_VERSION = 'current';

/** A draft whose kind is not known (no value read); the kind is dropped again by `metaOf`. */
export function unreadDraft(version: string, order: number, extra: Partial<VersionDraft> = {}): VersionDraft {
  return { version, kind: 'symbiont', order, ...extra };
}

/** Roles from drafts, as the full listing assigns them; `kind` left out unless `kindKnown`. */
export function metadataOf(
  sourceRef: string,
  drafts: VersionDraft[],
  opts: { multiVersion: boolean; retired?: ReadonlySet<string>; kindKnown?: boolean; modifiedTime?: string },
): KeyVersionMeta[] {
  return buildVersionInfos(sourceRef, drafts, opts).map((info) => metaOf(info, opts.kindKnown ?? false, opts.modifiedTime));
}

/** A full listing's version as metadata (kind kept: the source read it). */
export function metaOf(info: ListedKeyVersion, kindKnown = true, modifiedTime?: string): KeyVersionMeta {
  const { kind, keyId, ...rest } = info;
  const meta: KeyVersionMeta = { ...rest };
  if (kindKnown) {
    meta.kind = kind;
    if (keyId !== undefined) meta.keyId = keyId;
  }
  if (modifiedTime !== undefined && meta.createdTime === undefined) meta.modifiedTime = modifiedTime;
  return meta;
}
