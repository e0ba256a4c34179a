import { AuthError, CorruptValueError, UnsupportedError } from '../crypto/errors';
import { checkEnvelopeHeader, openEnvelopeData, unwrapDek } from '../crypto/envelope-cipher';
import type { EnvelopeValue, KeyVersionInfo } from '../model';
import { batchFailure, failure, success, transitItemFailure, type Settle } from './field-outcome';
import { transitVersionInfo, type KeyIndex } from './key-index';

export interface EnvelopeItem {
  i: number;
  data: EnvelopeValue;
}

const TRANSIT_PREFIX = 'vault-transit:';

/**
 * Opens envelope values: the KEK named by key_id unwraps the DEK (wrong KEK -> 'wrong-key'), the DEK
 * opens the data (fails -> 'tampered'). key_id `vault-transit:<name>`: the DEKs are unwrapped by that
 * transit key, all of them in one batched request.
 */
export async function openEnvelopeFields(
  items: EnvelopeItem[],
  index: KeyIndex,
  settle: Settle,
  noKeyNote: string,
  signal?: AbortSignal,
): Promise<void> {
  const viaTransit = new Map<string, EnvelopeItem[]>();
  for (const item of items) {
    const { data } = item;
    try {
      checkEnvelopeHeader(data);
    } catch (err) {
      settle(item.i, failure(err instanceof UnsupportedError ? 'unsupported' : 'corrupt', (err as Error).message));
      continue;
    }
    if (data.key_id.startsWith(TRANSIT_PREFIX)) {
      const group = viaTransit.get(data.key_id);
      if (group) group.push(item); // (copying the group per item was quadratic: seconds for 20k values)
      else viaTransit.set(data.key_id, [item]);
      continue;
    }
    settle(item.i, openWithKek(data, index, noKeyNote));
  }
  await Promise.all([...viaTransit].map(([keyId, group]) => openViaTransit(keyId, group, index, settle, noKeyNote, signal)));
}

function openWithKek(data: EnvelopeValue, index: KeyIndex, noKeyNote: string) {
  const candidates = index.keks.get(data.key_id) ?? [];
  if (candidates.length === 0) return failure('no-key', `no configured KEK has key_id '${data.key_id}'${noKeyNote}`);
  for (const kek of candidates) {
    let dek: Buffer;
    try {
      dek = unwrapDek(kek.material as Buffer, data.dek_wrapped);
    } catch (err) {
      if (err instanceof AuthError) continue;
      return failure('corrupt', (err as Error).message);
    }
    return openData(data, dek, kek.info);
  }
  return failure('wrong-key', `the configured KEK '${data.key_id}' does not unwrap this value's DEK (a different key with the same id?)`);
}

function openData(data: EnvelopeValue, dek: Buffer, key: KeyVersionInfo) {
  try {
    return success(openEnvelopeData(data, dek), key);
  } catch (err) {
    if (err instanceof AuthError) return failure('tampered', `the DEK unwrapped with ${key.label} but the data failed authentication (modified?)`);
    if (err instanceof CorruptValueError) return failure('corrupt', err.message);
    if (err instanceof UnsupportedError) return failure('unsupported', err.message);
    throw err;
  } finally {
    dek.fill(0);
  }
}

async function openViaTransit(
  keyId: string,
  group: EnvelopeItem[],
  index: KeyIndex,
  settle: Settle,
  noKeyNote: string,
  signal?: AbortSignal,
): Promise<void> {
  const transit = index.transit.find((t) => t.keyId === keyId);
  if (!transit) {
    for (const item of group) settle(item.i, failure('no-key', `no configured transit key for key_id '${keyId}'${noKeyNote}`));
    return;
  }
  try {
    const results = await transit.engine.decryptBatch(group.map((g) => g.data.dek_wrapped), signal);
    group.forEach((item, n) => {
      const r = results[n];
      if (!r?.plaintext) return settle(item.i, transitItemFailure(r?.error ?? 'no result', true));
      if (r.plaintext.length !== 32) {
        r.plaintext.fill(0);
        return settle(item.i, failure('corrupt', `transit unwrapped a ${r.plaintext.length}-byte DEK, expected 32`));
      }
      settle(item.i, openData(item.data, r.plaintext, transitVersionInfo(transit.versions, item.data.dek_wrapped)));
    });
  } catch (err) {
    for (const item of group) settle(item.i, batchFailure(err, signal));
  }
}
