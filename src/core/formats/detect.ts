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

/** `--format` names: the format ids, and `transit` for transit-jsonl. */
export const FORMAT_NAMES: Readonly<Record<string, FormatId>> = { symbiont: 'symbiont', envelope: 'envelope', transit: 'transit-jsonl', 'transit-jsonl': 'transit-jsonl' };

/** The format a user named, or null when the name is none of FORMAT_NAMES. */
export function formatFromName(name: string): FormatId | null {
  return Object.hasOwn(FORMAT_NAMES, name) ? FORMAT_NAMES[name]! : null;
}

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
  if (findTransitValues(o, 1).length > 0) return 'transit-jsonl';
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

/** How far detection reads to find one complete line (a huge first entry); past it, the prefix decides. */
export const SAMPLE_MAX_BYTES = 64 << 20;

/**
 * Reads the complete lines among the first SAMPLE_BYTES of a file — further, doubling up to
 * SAMPLE_MAX_BYTES, while not even one line is complete — and detects its format. A first line
 * longer than that is judged from its beginning (detectFromPrefix).
 */
export async function detectFileFormat(path: string, maxBytes = SAMPLE_MAX_BYTES): Promise<Detection> {
  const fh = await openRegularForRead(path);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    let lastNl = -1;
    for (let want = SAMPLE_BYTES; lastNl < 0 && want > 0; want = Math.min(total, maxBytes - total)) {
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, total);
      if (bytesRead === 0) break;
      const nl = buf.lastIndexOf(10, bytesRead - 1);
      if (nl >= 0) lastNl = total + nl;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (bytesRead < want) break; // end of file
    }
    const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (lastNl < 0) {
      if (total === 0) return detectFormat([], path);
      const prefix = detectFromPrefix(head.toString('utf8', 0, Math.min(total, SAMPLE_BYTES)), total);
      if (prefix !== null && total >= maxBytes) return prefix;
      return { format: 'unknown', reason: `no complete line in the first ${total} bytes`, votes: emptyVotes(), sampled: 0 };
    }
    return detectFormat(head.toString('utf8', 0, lastNl).split('\n'), path);
  } finally {
    await fh.close();
  }
}

const emptyVotes = (): Record<FormatId, number> => ({ symbiont: 0, envelope: 0, 'transit-jsonl': 0 });

/**
 * The format of a line too long to read whole, from its beginning: serde writes `request_data`
 * (Symbiont and envelope) before the long plaintext-sized values, so the field names of the
 * first encrypted value show; transit values show as `"vault:vN:`. Null when nothing is conclusive.
 */
export function detectFromPrefix(prefix: string, readBytes: number): Detection | null {
  const clean = cleanLine(prefix);
  if (!/^\s*(?:UPDATE: )?\{/.test(clean)) return null;
  const at = clean.indexOf('"request_data":{');
  const value = at < 0 ? '' : clean.slice(at, at + 4096);
  const decide = (format: FormatId, why: string): Detection => ({
    format,
    reason: `no line ends in the first ${readBytes} bytes; the first line's beginning ${why}`,
    votes: { ...emptyVotes(), [format]: 1 },
    sampled: 1,
  });
  if (isUpdateLine(clean)) return decide('symbiont', 'is an UPDATE line');
  // serde's field orders: envelope {version, alg, key_id, dek_wrapped, ...}; Symbiont {ciphertext, nonce, salt, ...}
  if (/^"request_data":\{"version":\d+,"alg":"[^"]*","key_id":"[^"]*","dek_wrapped":"/.test(value)) return decide('envelope', 'has request_data with key_id/dek_wrapped');
  if (/^"request_data":\{"ciphertext":"[A-Za-z0-9+/=]*$/.test(value) || /^"request_data":\{"ciphertext":"[A-Za-z0-9+/=]*","nonce":"[A-Za-z0-9+/=]*","salt":"/.test(value)) {
    return decide('symbiont', 'has request_data with ciphertext/nonce/salt');
  }
  if (/"vault:v\d+:[A-Za-z0-9+/=]/.test(clean.slice(0, SAMPLE_BYTES))) return decide('transit-jsonl', 'holds a "vault:v<N>:..." string');
  return null;
}
