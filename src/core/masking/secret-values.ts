/** What to do with the value of a sensitive key (JSON key or `key=value` setting). */
import { isOwnMarker } from './markers';
import { isWriterMarker } from './writer-markers';

/**
 * - `writer`: the writer already redacted it (`***`, `[REDACTED:...]`): keep, report as such;
 * - `own-marker`: already masked by this engine: keep, report as masked;
 * - `empty`: nothing to hide;
 * - `mask`: replace with `[SECRET]`.
 */
export function secretValueKind(value: string): 'writer' | 'own-marker' | 'empty' | 'mask' {
  if (isWriterMarker(value)) return 'writer';
  if (isOwnMarker(value)) return 'own-marker';
  return value === '' ? 'empty' : 'mask';
}
