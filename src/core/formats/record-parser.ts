import type { FormatId, LogRecord } from '../model';
import { parseEnvelopeEntry } from './envelope';
import { parseSymbiontEntry } from './symbiont';
import { parseTransitLine } from './transit-jsonl';

export type EntryParser = (text: string, index: number, line: number) => LogRecord;

/** The per-line entry parser of a format (Symbiont UPDATE merging is done by LogFile). */
export function entryParser(format: FormatId): EntryParser {
  switch (format) {
    case 'symbiont':
      return parseSymbiontEntry;
    case 'envelope':
      return parseEnvelopeEntry;
    case 'transit-jsonl':
      return parseTransitLine;
  }
}
