/** Format detection by content: the first few non-empty lines decide; the file name only breaks ties. */
import { openRegularForRead } from './regular-file';
import { basename } from 'node:path';
import type { FormatId } from '../model';
import { isEnvelopeValue } from './envelope';
import { cleanLine, parseJsonObject } from './record-base';
import { isSymbiontEncryptedData, isUpdateLine } from './symbiont';
import { findTransitValues } from './transit-jsonl';

export type Detection =
  | { format: FormatId; reason: string; votes: Record<FormatId, number>; sampled: number }
  | { format: 'unknown'; reason: string; votes: Record<FormatId, number>; sampled: number };

export const SAMPLE_LINES = 16;
export const SAMPLE_BYTES = 1 << 20;

type LineVote = FormatId | 'json' | 'invalid';

/** What one line looks like. */
export function classifyLine(text: string): LineVote {
  const clean = cleanLine(text);
  if (isUpdateLine(clean)) return 'symbiont';
  const p = parseJsonObject(clean);
  if (!p.ok) return 'invalid';
  const o = p.value;
  const values = [o.request_data, o.response_data];
  if (values.some(isEnvelopeValue)) return 'envelope';
  if (values.some(isSymbiontEncryptedData)) return 'symbiont';
  if (findTransitValues(o).length > 0) return 'transit-jsonl';
  return 'json';
}

function nameHint(fileName: string | undefined): FormatId | null {
  if (!fileName) return null;
  const n = basename(fileName).toLowerCase();
  if (n.includes('model_io') || n.includes('symbiont')) return 'symbiont';
  if (n.includes('envelope')) return 'envelope';
  if (n.endsWith('.jsonl') || n.includes('transit')) return 'transit-jsonl';
  return null;
}

/** Decides from sample lines (blank lines are skipped; at most SAMPLE_LINES are looked at). */
export function detectFormat(lines: readonly string[], fileName?: string): Detection {
  const votes: Record<FormatId, number> = { symbiont: 0, envelope: 0, 'transit-jsonl': 0 };
  let json = 0;
  let invalid = 0;
  let sampled = 0;
  for (const line of lines) {
    if (sampled >= SAMPLE_LINES) break;
    if (cleanLine(line).trim() === '') continue;
    sampled++;
    const v = classifyLine(line);
    if (v === 'json') json++;
    else if (v === 'invalid') invalid++;
    else votes[v]++;
  }
  const base = { votes, sampled };
  if (sampled === 0) return { ...base, format: 'unknown', reason: 'no complete non-empty line to look at (empty file?)' };
  const ranked = (Object.keys(votes) as FormatId[]).sort((a, b) => votes[b] - votes[a]);
  const best = ranked[0]!;
  const top = votes[best];
  const of = `${top} of the first ${sampled} non-empty lines`;
  if (top === 0) {
    const reason =
      invalid === sampled
        ? `none of the first ${sampled} non-empty lines is a JSON object`
        : `${json} JSON line(s) but no encrypted values: no request_data with ciphertext/nonce/salt/kdf (Symbiont), ` +
          `no envelope value with version/alg/key_id/dek_wrapped, no "vault:v<N>:..." string` +
          (invalid > 0 ? `; ${invalid} line(s) are not JSON objects` : '');
    return { ...base, format: 'unknown', reason };
  }
  const tied = ranked.filter((f) => votes[f] === top);
  if (tied.length > 1) {
    const hint = nameHint(fileName);
    if (hint !== null && tied.includes(hint)) return { ...base, format: hint, reason: `${of} each look like ${tied.join(' / ')}; file name suggests ${hint}` };
    return { ...base, format: best, reason: `${of} each look like ${tied.join(' / ')}; picked ${best}` };
  }
  return { ...base, format: best, reason: `${of} look like ${best}` };
}

/** Reads the complete lines among the first SAMPLE_BYTES of a file and detects its format. */
export async function detectFileFormat(path: string): Promise<Detection> {
  const fh = await openRegularForRead(path);
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const lastNl = bytesRead === 0 ? -1 : buf.lastIndexOf(10, bytesRead - 1);
    const text = lastNl < 0 ? '' : buf.toString('utf8', 0, lastNl);
    const det = detectFormat(text.split('\n'), path);
    if (det.sampled === 0 && bytesRead > 0) {
      return { ...det, reason: lastNl < 0 ? `no complete line in the first ${bytesRead} bytes` : det.reason };
    }
    return det;
  } finally {
    await fh.close();
  }
}
