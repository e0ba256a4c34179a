import { KeySourceError, type KeySource } from './types';

export function asSourceError(ref: string, err: unknown): KeySourceError {
  if (err instanceof KeySourceError) return err;
  return new KeySourceError(ref, `unexpected failure: ${(err as Error)?.message ?? String(err)}`);
}

/**
 * Asks every source at once (`s.load()` or `s.list()`); a failing source is an error listed and an
 * empty slot, never a throw, so one locked keychain or sealed Vault does not hide the other sources.
 */
export async function settleSources<T>(sources: readonly KeySource[], ask: (s: KeySource) => Promise<T[]>): Promise<{ perSource: T[][]; errors: KeySourceError[] }> {
  const settled = await Promise.allSettled(sources.map(ask));
  const errors: KeySourceError[] = [];
  const perSource = settled.map((r, n) => {
    if (r.status === 'fulfilled') return r.value;
    errors.push(asSourceError(sources[n].ref, r.reason));
    return [];
  });
  return { perSource, errors };
}
