import { transitCiphertextVersion } from './transit-version';
import type { KeyVersionInfo } from '../model';
import { KeySourceError, type LoadedKey, type ListedKeyVersion, type TransitEngine } from './types';

/** The loaded keys of every source, arranged for lookup. Built once per resolver load. */
export interface KeyIndex {
  keys: LoadedKey[];
  /** KEK id -> candidates (more than one only when ids are duplicated across sources). */
  keks: Map<string, LoadedKey[]>;
  /** Symbiont key strings in preference order: sources as configured, newest to oldest within each. */
  symbiont: LoadedKey[];
  /** Transit engines in source order, with every version's info. */
  transit: Array<{ keyId: string; engine: TransitEngine; versions: KeyVersionInfo[] }>;
}

function usable(k: LoadedKey): boolean {
  return !(k.info as ListedKeyVersion).unusable;
}

/** `perSource` in configured order; each source's keys oldest first (as sources return them). */
export function buildKeyIndex(perSource: LoadedKey[][]): KeyIndex {
  const index: KeyIndex = { keys: perSource.flat(), keks: new Map(), symbiont: [], transit: [] };
  for (const keys of perSource) {
    const newestFirst = [...keys].filter(usable).sort((a, b) => b.info.order - a.info.order);
    for (const k of newestFirst) {
      if (k.info.kind === 'kek' && k.material && k.info.keyId) {
        const list = index.keks.get(k.info.keyId) ?? [];
        list.push(k);
        index.keks.set(k.info.keyId, list);
      } else if (k.info.kind === 'symbiont' && k.material) {
        index.symbiont.push(k);
      }
    }
    const transit = keys.find((k) => k.transit);
    if (transit?.transit) {
      index.transit.push({ keyId: transit.info.keyId ?? `vault-transit:${transit.transit.name}`, engine: transit.transit, versions: keys.map((k) => k.info) });
    }
  }
  return index;
}

/** One error per KEK id that more than one version carries (Everruns treats duplicate ids as an error). */
export function duplicateKekErrors(infos: KeyVersionInfo[]): KeySourceError[] {
  const byId = new Map<string, KeyVersionInfo[]>();
  for (const info of infos) {
    if (info.kind !== 'kek' || !info.keyId) continue;
    byId.set(info.keyId, [...(byId.get(info.keyId) ?? []), info]);
  }
  const errors: KeySourceError[] = [];
  for (const [id, list] of byId) {
    if (list.length < 2) continue;
    const [first, ...others] = list;
    errors.push(
      new KeySourceError(
        first.label,
        `duplicate KEK id '${id}' also in ${others.map((o) => o.label).join(', ')}; each is tried in turn, first ${first.label}`,
        'invalid',
      ),
    );
  }
  return errors;
}

/** The version info a transit ciphertext (`vault:vN:...`) names, else the newest. */
export function transitVersionInfo(versions: KeyVersionInfo[], ciphertext: string): KeyVersionInfo {
  const n = transitCiphertextVersion(ciphertext);
  return versions.find((v) => v.order === n) ?? [...versions].sort((a, b) => b.order - a.order)[0];
}
