import { TRANSIT_KEY_ID_PREFIX } from '../formats/envelope';
import type { KeyVersionInfo } from '../model';

export interface TransitMeta {
  name: string;
  sourceRef: string;
  /** Versions below this are refused by Vault (min_decryption_version). */
  minDecrypt: number;
  latest: number;
  byOrder: Map<number, KeyVersionInfo>;
}

/** What the key-version rules need to know about the configured keys (metadata only). */
export interface KeyMeta {
  keys: KeyVersionInfo[];
  kekById: Map<string, KeyVersionInfo>;
  /** Transit keys by name (`vault-transit:<name>` key id). */
  transit: Map<string, TransitMeta>;
  /** The one transit key, when exactly one is configured (bare `vault:vN` values name no key). */
  onlyTransit: TransitMeta | null;
  /** Some KEK is configured and every source could be listed: a key id none holds is really unknown. */
  hasKeks: boolean;
}

/** Builds the lookup from listed versions. A version listed as unusable 'disallowed' is below min_decryption_version. */
export function buildKeyMeta(keys: readonly KeyVersionInfo[], opts: { allSourcesListed?: boolean } = {}): KeyMeta {
  const kekById = new Map<string, KeyVersionInfo>();
  const transit = new Map<string, TransitMeta>();
  for (const k of keys) {
    if (k.kind === 'kek' && k.keyId !== undefined && !kekById.has(k.keyId)) kekById.set(k.keyId, k);
    if (k.kind === 'transit') {
      const name = k.keyId?.startsWith(TRANSIT_KEY_ID_PREFIX) ? k.keyId.slice(TRANSIT_KEY_ID_PREFIX.length) : k.sourceRef.split('/').pop()!;
      let t = transit.get(name);
      if (!t) transit.set(name, (t = { name, sourceRef: k.sourceRef, minDecrypt: Infinity, latest: 0, byOrder: new Map() }));
      t.byOrder.set(k.order, k);
      t.latest = Math.max(t.latest, k.order);
      const unusable = (k as { unusable?: string }).unusable;
      if (unusable !== 'disallowed') t.minDecrypt = Math.min(t.minDecrypt, k.order);
    }
  }
  for (const t of transit.values()) if (!Number.isFinite(t.minDecrypt)) t.minDecrypt = t.latest + 1;
  return {
    keys: [...keys],
    kekById,
    transit,
    onlyTransit: transit.size === 1 ? [...transit.values()][0]! : null,
    hasKeks: kekById.size > 0 && opts.allSourcesListed !== false,
  };
}
