import type { FieldResult } from './types';
import { batchFailure, failure, success, transitItemFailure, type Settle } from './field-outcome';
import { transitVersionInfo, type KeyIndex } from './key-index';

export interface TransitItem {
  i: number;
  ciphertext: string;
}

/**
 * Opens generic transit ciphertexts through the configured transit keys, one batched request per key
 * (per 1000 items): items the first key cannot decrypt go to the next one.
 */
export async function openTransitFields(items: TransitItem[], index: KeyIndex, settle: Settle, noKeyNote: string, signal?: AbortSignal): Promise<void> {
  if (items.length === 0) return;
  if (index.transit.length === 0) {
    for (const item of items) settle(item.i, failure('no-key', `no vault-transit key is configured${noKeyNote}`));
    return;
  }
  let pending = items;
  const lastFailure = new Map<number, FieldResult>();
  for (const transit of index.transit) {
    if (pending.length === 0) break;
    try {
      const results = await transit.engine.decryptBatch(pending.map((p) => p.ciphertext), signal);
      const still: TransitItem[] = [];
      pending.forEach((item, n) => {
        const r = results[n];
        if (r?.plaintext) settle(item.i, success(r.plaintext, transitVersionInfo(transit.versions, item.ciphertext)));
        else {
          lastFailure.set(item.i, transitItemFailure(r?.error ?? 'no result', index.transit.length === 1));
          still.push(item);
        }
      });
      pending = still;
    } catch (err) {
      const f = batchFailure(err, signal);
      for (const item of pending) lastFailure.set(item.i, f);
      if (f.ok === false && f.reason === 'cancelled') break;
    }
  }
  for (const item of pending) settle(item.i, lastFailure.get(item.i) ?? failure('wrong-key', 'no transit key decrypted this value'));
}
