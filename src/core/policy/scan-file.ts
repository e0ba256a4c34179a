/**
 * Scans one file against the line rules: samples the head (policy.sampleLines / sampleBytes) unless
 * asked to stream the whole file (deep). Hits are aggregated per rule and cause: first line, count.
 */
import { CensusTally, UNKNOWN_KEY } from '../census';
import { completeLines } from '../formats/complete-lines';
import { detectFormat } from '../formats/detect';
import { openRegularForRead } from '../formats/regular-file';
import { TRANSIT_KEY_ID_PREFIX } from '../formats/envelope';
import { cleanLine, parseJsonObject } from '../formats/record-base';
import { UPDATE_PREFIX } from '../formats/symbiont';
import type { FormatId } from '../model';
import type { KeyMeta } from './key-meta';
import type { Census, PolicyConfig, PolicyFinding } from './model';
import { lineValues, ruleCipher, ruleKdf, ruleKeyVersion, rulePlaintextLlm, ruleUnencryptedInProtectedPath, type FoundValue, type Hit } from './rules';
import { transitCiphertextVersion } from '../keys/transit-version';

export const UNKNOWN_LABEL = UNKNOWN_KEY;
const MORE_LINES = 5;

export type FileKind = 'encrypted-log' | 'plaintext-llm-log' | 'json-lines' | 'text' | 'binary' | 'empty';

export interface FileScanResult {
  path: string;
  kind: FileKind;
  /** Detected log format from the first lines (null when not an encrypted log). */
  format: FormatId | null;
  /** Non-empty lines looked at, bytes read. */
  lines: number;
  bytesRead: number;
  size: number;
  /** The whole file was read (deep scan, or the file fit in the sample). */
  complete: boolean;
  encryptedLines: number;
  plaintextLlmLines: number;
  /** Symbiont entry lines seen (their key is known only by decrypting: see the scanner's survey). */
  symbiontEntries: number;
  /** Entries and bytes per key label, for envelope and transit entries (complete files only). */
  census: Census;
  findings: PolicyFinding[];
}

export interface FileScanOptions {
  policy: PolicyConfig;
  meta: KeyMeta;
  /** The file is under policy.encryptedOnlyPaths. */
  protectedPath: boolean;
  deep: boolean;
  signal?: AbortSignal;
  /** Called every few thousand lines on deep scans. */
  onLines?: (lines: number, bytes: number) => void;
}

/** Collects hits into findings: one per (rule, cause), counting lines and keeping the first few line numbers. */
export class HitAggregator {
  private readonly byKey = new Map<string, { hit: Hit; first: number; count: number; more: number[] }>();

  add(hit: Hit, line1: number): void {
    const k = `${hit.rule}|${hit.group}`;
    const cur = this.byKey.get(k);
    if (!cur) this.byKey.set(k, { hit, first: line1, count: 1, more: [] });
    else {
      cur.count++;
      if (cur.more.length < MORE_LINES) cur.more.push(line1);
    }
  }

  has(rule: string): boolean {
    return [...this.byKey.values()].some((v) => v.hit.rule === rule);
  }

  findings(file: string, scope: string): PolicyFinding[] {
    return [...this.byKey.values()].map(({ hit, first, count, more }) => {
      const f: PolicyFinding = {
        rule: hit.rule,
        severity: hit.severity,
        message: `${hit.message}: ${count} line${count === 1 ? '' : 's'}${scope}, first at line ${first}`,
        fix: hit.fix,
        file,
        line: first,
        count,
      };
      if (more.length) f.moreLines = more;
      if (hit.key !== undefined) f.key = hit.key;
      if (hit.sourceRef !== undefined) f.sourceRef = hit.sourceRef;
      return f;
    });
  }
}

/** The census label of an entry's first encrypted value, without decrypting (null for Symbiont values). */
export function censusLabel(v: FoundValue, meta: KeyMeta): string | null {
  if (v.kind === 'symbiont') return null;
  const transitLabel = (name: string | null, n: number): string => {
    const t = name === null ? meta.onlyTransit : meta.transit.get(name);
    return t?.byOrder.get(n)?.label ?? UNKNOWN_LABEL;
  };
  if (v.kind === 'transit') return transitLabel(null, v.version);
  if (v.data.key_id.startsWith(TRANSIT_KEY_ID_PREFIX)) {
    const n = transitCiphertextVersion(v.data.dek_wrapped);
    return Number.isNaN(n) ? UNKNOWN_LABEL : transitLabel(v.data.key_id.slice(TRANSIT_KEY_ID_PREFIX.length), n);
  }
  return meta.kekById.get(v.data.key_id)?.label ?? UNKNOWN_LABEL;
}

/** Line-by-line state shared by the sampled and the streamed reads. */
class LineChecker {
  readonly agg = new HitAggregator();
  /** Entries and bytes per key label named by the entry's first value (nothing is decrypted here). */
  readonly tally = new CensusTally(0);
  readonly firstLines: string[] = [];
  lines = 0;
  jsonLines = 0;
  encryptedLines = 0;
  plaintextLlmLines = 0;
  symbiontEntries = 0;

  constructor(private readonly opts: FileScanOptions) {}

  check(raw: string, line1: number, bytes: number): void {
    const text = cleanLine(raw);
    if (text.trim() === '') return;
    this.lines++;
    if (this.firstLines.length < 16) this.firstLines.push(text);
    const isUpdate = text.startsWith(UPDATE_PREFIX);
    const parsed = parseJsonObject(isUpdate ? text.slice(UPDATE_PREFIX.length) : text);
    if (!parsed.ok) return;
    this.jsonLines++;
    const values = lineValues(parsed.value);
    const hits = new Map<string, Hit>();
    const put = (h: Hit | null) => {
      if (h) hits.set(`${h.rule}|${h.group}`, h);
    };
    put(rulePlaintextLlm(values, this.opts.protectedPath));
    for (const v of values.encrypted) {
      put(ruleCipher(v, this.opts.policy));
      put(ruleKdf(v, this.opts.policy));
      put(ruleKeyVersion(v, this.opts.meta));
    }
    for (const h of hits.values()) this.agg.add(h, line1);
    if (values.plaintextLlm.length > 0) this.plaintextLlmLines++;
    if (values.encrypted.length === 0) return;
    this.encryptedLines++;
    if (isUpdate) return; // UPDATE lines complete an entry; they are not entries
    const first = values.encrypted[0]!;
    const label = censusLabel(first, this.opts.meta);
    if (label === null) {
      this.symbiontEntries++;
      return;
    }
    this.tally.entry(label, bytes);
  }

  get census(): Census {
    return new Map([...this.tally.byKey].map(([label, c]) => [label, { entries: c.entries, bytes: c.bytes }]));
  }
}

/** The head of a regular file; a FIFO, socket or device is refused (NotRegularFileError), never waited on. */
async function readHead(path: string, maxBytes: number): Promise<{ buf: Buffer; size: number }> {
  const fh = await openRegularForRead(path);
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.min(maxBytes, size));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { buf: buf.subarray(0, got), size };
  } finally {
    await fh.close();
  }
}

/** Scans one file. Never reads more than the sample unless `deep`; rejects only on I/O errors, a non-regular file or abort. */
export async function scanFile(path: string, opts: FileScanOptions): Promise<FileScanResult> {
  opts.signal?.throwIfAborted();
  const { buf: head, size } = await readHead(path, opts.policy.sampleBytes);
  const result = (kind: FileKind, c: LineChecker | null, bytesRead: number, complete: boolean): FileScanResult => ({
    path,
    kind,
    format: null,
    lines: c?.lines ?? 0,
    bytesRead,
    size,
    complete,
    encryptedLines: c?.encryptedLines ?? 0,
    plaintextLlmLines: c?.plaintextLlmLines ?? 0,
    symbiontEntries: c?.symbiontEntries ?? 0,
    census: complete && c ? c.census : new Map(),
    findings: [],
  });
  if (size === 0) return result('empty', null, 0, true);
  if (head.subarray(0, 8192).includes(0)) return result('binary', null, head.length, false);

  const c = new LineChecker(opts);
  let bytesRead = 0;
  let complete: boolean;
  if (!opts.deep) {
    // Head sample: complete lines only, unless the whole file fit.
    const whole = head.length === size;
    const end = whole ? head.length : head.lastIndexOf(10) + 1;
    const text = head.toString('utf8', 0, end);
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let line1 = 0;
    complete = whole;
    for (const l of lines) {
      line1++;
      if (c.lines >= opts.policy.sampleLines) {
        complete = false;
        break;
      }
      const n = Buffer.byteLength(l) + 1;
      bytesRead += n;
      c.check(l, line1, n);
    }
  } else {
    const fh = await openRegularForRead(path);
    let line1 = 0;
    try {
      const end = (await fh.stat()).size;
      for await (const l of completeLines(fh, 0, end, { partialLast: true })) {
        line1++;
        bytesRead += l.whole.length;
        c.check(l.bytes.toString('utf8'), line1, l.whole.length);
        if (line1 % 4096 === 0) {
          opts.signal?.throwIfAborted();
          opts.onLines?.(line1, bytesRead);
        }
      }
    } finally {
      await fh.close();
    }
    opts.signal?.throwIfAborted();
    complete = true;
  }

  const kind: FileKind =
    c.plaintextLlmLines > 0 ? 'plaintext-llm-log' : c.encryptedLines > 0 ? 'encrypted-log' : c.jsonLines > 0 ? 'json-lines' : c.lines > 0 ? 'text' : 'empty';
  const out = result(kind, c, bytesRead, complete);
  if (c.encryptedLines > 0) {
    const det = detectFormat(c.firstLines, path);
    out.format = det.format === 'unknown' ? null : det.format;
  }
  const scope = complete ? '' : ` of the first ${c.lines} looked at (more with --deep)`;
  out.findings = c.agg.findings(path, scope);
  if (opts.protectedPath && !c.agg.has('plaintext-llm-log') && (kind === 'json-lines' || kind === 'text')) {
    const h = ruleUnencryptedInProtectedPath(c.lines, c.encryptedLines);
    if (h) out.findings.push({ rule: h.rule, severity: h.severity, message: h.message, fix: h.fix, file: path, line: 1, count: c.lines });
  }
  return out;
}
