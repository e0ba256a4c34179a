/** What to do with the value of a sensitive key (JSON key or `key=value` setting). */
import { isOwnMarker } from './markers';
import { isWriterMarker } from './writer-markers';

/**
 * - `writer`: the writer already redacted it (`***`, `[REDACTED:...]`): keep and report;
 * - `keep`: nothing to hide (empty) or already masked by this engine: keep silently;
 * - `mask`: replace with `[SECRET]`.
 */
export function secretValueKind(value: string): 'writer' | 'keep' | 'mask' {
  if (isWriterMarker(value)) return 'writer';
  if (value === '' || isOwnMarker(value)) return 'keep';
  return 'mask';
}
