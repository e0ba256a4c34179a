import { maskValue, type MaskOptions } from './masking';
import type { DecryptedEntry } from './model';

/** One entry as a JSON line: the shape of `enclog decrypt --json` and of the viewer's export. */
export function maskedEntryJson(e: DecryptedEntry, mask: MaskOptions): Record<string, unknown> {
  return {
    index: e.index,
    id: e.id,
    timestamp: e.timestamp,
    status: e.status,
    key: e.key,
    request: e.request == null ? null : maskValue(e.request, mask).value,
    response: e.response == null ? null : maskValue(e.response, mask).value,
    error: e.error ?? e.record.error,
  };
}
