/**
 * Benchmark inputs, generated into a data directory outside the repo's tracked files (default
 * bench-data/, gitignored) and reused while their parameters match (a `.meta.json` beside each file).
 *
 * The big envelope log is written fast but is made of valid envelope entries: a pool of distinct
 * interactions is sealed for real (a fresh DEK per value, wrapped by the KEK), and every entry takes
 * one of them with its own distinct id, timestamp and metadata, written in large buffered chunks.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sealEnvelope, sealEnvelopeWithDek } from '../src/core/crypto';
import type { EnvelopeValue } from '../src/core/model';
import { makeInteraction, type Interaction } from '../test/fixtures/content';
import { generateSymbiontLog } from '../test/fixtures/generate';
import { SeededRandom } from '../test/fixtures/random';
import type { Argon2Deriver } from '../src/core/crypto/argon2';
import { log } from './lib';

const GENERATOR_VERSION = 2;
const BASE_TIME = Date.UTC(2025, 0, 15, 9, 30, 0);
const ERROR_EVERY = 7;

export interface Kek {
  id: string;
  key: Buffer;
}

/** Fixed bench KEKs: kek-v1 seals the logs, kek-v2 is the rotation target. */
export function benchKeks(): { v1: Kek; v2: Kek } {
  const r = new SeededRandom(4242);
  return { v1: { id: 'kek-v1', key: r.bytes(32) }, v2: { id: 'kek-v2', key: r.bytes(32) } };
}

export const kekSpec = (k: Kek): string => `${k.id}:${k.key.toString('base64')}`;

interface Meta {
  version: number;
  params: Record<string, unknown>;
  bytes: number;
  entries: number;
  [k: string]: unknown;
}

function reusable(path: string, params: Record<string, unknown>): Meta | null {
  const metaPath = path + '.meta.json';
  if (!existsSync(path) || !existsSync(metaPath)) return null;
  try {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
    if (meta.version !== GENERATOR_VERSION || JSON.stringify(meta.params) !== JSON.stringify(params)) return null;
    if (statSync(path).size !== meta.bytes) return null;
    return meta;
  } catch {
    return null;
  }
}

function writeMeta(path: string, meta: Meta): void {
  writeFileSync(path + '.meta.json', JSON.stringify(meta, null, 2));
}

/** UUID-v4-shaped, distinct for every i (the first group is i in hex). */
function benchUuid(i: number): string {
  const h = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
  const a = h(Math.imul(i ^ 0x9e3779b9, 0x85ebca6b));
  const b = h(Math.imul(i + 0x632be5ab, 0xc2b2ae35));
  return `${h(i)}-${a.slice(0, 4)}-4${a.slice(4, 7)}-${'89ab'[i & 3]}${b.slice(0, 3)}-${b.slice(3, 8)}${a.slice(0, 7)}`;
}

/** One pooled, really sealed interaction, pre-serialized around the per-entry parts. */
interface Pooled {
  type: string;
  /** `"latency_ms":..,"model_identifier":..,"request_data":{..},"response_data":{..}|null` */
  mid: string;
  /** `"error":..,"token_usage":..}` */
  tail: string;
}

export type Sealer = (plaintext: Buffer) => EnvelopeValue | Promise<EnvelopeValue>;

async function pool(size: number, seed: number, seal: Sealer): Promise<Pooled[]> {
  const r = new SeededRandom(seed);
  const out: Pooled[] = [];
  for (let k = 0; k < size; k++) {
    const it: Interaction = makeInteraction(r);
    const failed = k % ERROR_EVERY === ERROR_EVERY - 1;
    const req = await seal(Buffer.from(JSON.stringify(it.request)));
    const res = failed ? null : await seal(Buffer.from(JSON.stringify(it.response)));
    const usage = res === null ? null : { input_tokens: it.inputTokens, output_tokens: it.outputTokens, total_tokens: it.inputTokens + it.outputTokens };
    out.push({
      type: it.type,
      mid: `"latency_ms":${it.latencyMs},"model_identifier":${JSON.stringify(it.model)},"request_data":${JSON.stringify(req)},"response_data":${JSON.stringify(res)}`,
      tail: `"error":${JSON.stringify(failed ? 'upstream timeout after 30000 ms' : null)},"token_usage":${JSON.stringify(usage)}}`,
    });
  }
  return out;
}

function entryLine(i: number, agent: string, p: Pooled): string {
  const id = benchUuid(i);
  const ts = new Date(BASE_TIME + i * 1000).toISOString();
  return (
    `{"id":"${id}","agent_id":"${agent}","interaction_type":"${p.type}","timestamp":"${ts}",${p.mid}` +
    `,"metadata":{"session":"s-${id.slice(0, 8)}","environment":"production"},${p.tail}\n`
  );
}

/** Writes `entries` lines from the pool in ~8 MB chunks to a temp name, then renames (no half files reused). */
function writeEntries(path: string, entries: number, pooled: Pooled[]): number {
  const tmp = `${path}.partial-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  const agent = benchUuid(0x7fffffff);
  let bytes = 0;
  try {
    let parts: string[] = [];
    let len = 0;
    for (let i = 0; i < entries; i++) {
      const line = entryLine(i, agent, pooled[i % pooled.length]!);
      parts.push(line);
      len += line.length;
      if (len >= 8 << 20 || i === entries - 1) {
        const buf = Buffer.from(parts.join(''), 'utf8');
        writeSync(fd, buf);
        bytes += buf.length;
        parts = [];
        len = 0;
      }
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return bytes;
}

export interface EnvelopeInput {
  path: string;
  entries: number;
  bytes: number;
  kek: Kek;
  generatedMs: number | null;
}

/** An envelope log of `entries` entries sealed under kek-v1 (reused when present with the same params). */
export async function envelopeLog(dir: string, name: string, entries: number, poolSize = 512): Promise<EnvelopeInput> {
  const { v1 } = benchKeks();
  const path = join(dir, name);
  const params = { kind: 'envelope', entries, poolSize, kek: v1.id };
  const have = reusable(path, params);
  if (have) return { path, entries, bytes: have.bytes, kek: v1, generatedMs: null };
  const t = Date.now();
  log(`generating ${name}: ${entries} envelope entries...`);
  const pooled = await pool(poolSize, 11, (p) => sealEnvelope(p, v1.key, v1.id));
  const bytes = writeEntries(path, entries, pooled);
  writeMeta(path, { version: GENERATOR_VERSION, params, bytes, entries });
  log(`generated ${name}: ${(bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return { path, entries, bytes, kek: v1, generatedMs: Date.now() - t };
}

/**
 * Envelope entries whose DEKs are wrapped by a Vault transit key (key_id `vault-transit:<name>`).
 * Always generated afresh: the transit key lives only as long as the Vault double. Every value has
 * its own DEK; `wrapDeks` wraps them all in batches.
 */
export async function transitEnvelopeLog(
  dir: string,
  name: string,
  entries: number,
  transitName: string,
  wrapDeks: (deks: Buffer[]) => Promise<string[]>,
): Promise<{ path: string; entries: number; bytes: number }> {
  const { randomBytes } = await import('node:crypto');
  const keyId = `vault-transit:${transitName}`;
  const values = Math.ceil(entries * 2);
  const deks = Array.from({ length: values }, () => randomBytes(32));
  const wrapped = await wrapDeks(deks);
  let next = 0;
  const pooled: Pooled[] = await pool(entries, 23, (p) => {
    const n = next++;
    return sealEnvelopeWithDek(p, deks[n]!, keyId, wrapped[n]!);
  });
  for (const d of deks) d.fill(0);
  const path = join(dir, name);
  const bytes = writeEntries(path, entries, pooled);
  return { path, entries, bytes };
}

export interface SymbiontInput {
  path: string;
  key: string;
  kdf: string;
  entries: number;
  fields: number;
}

/** A Symbiont log under one key string (so every field costs exactly one Argon2 run to open). */
export async function symbiontLog(dir: string, kdf: string, entries: number, deriver: Argon2Deriver): Promise<SymbiontInput> {
  const key = new SeededRandom(99).bytes(32).toString('base64');
  const name = `symbiont-${kdf}-n${entries}.log`;
  const path = join(dir, name);
  const params = { kind: 'symbiont', kdf, entries, key: key.slice(0, 6) };
  const have = reusable(path, params);
  if (have) return { path, key, kdf, entries, fields: have.fields as number };
  log(`generating ${name} (${entries} entries, Argon2 '${kdf}')...`);
  const fx = await generateSymbiontLog(dir, { entries, kdf, keyA: key, keyB: key, fileName: name, deriver });
  const fields = fx.entries.reduce((n, e) => n + 1 + (e.response === null && e.error !== null ? 0 : 1), 0);
  writeMeta(path, { version: GENERATOR_VERSION, params, bytes: statSync(path).size, entries, fields });
  return { path, key, kdf, entries, fields };
}
