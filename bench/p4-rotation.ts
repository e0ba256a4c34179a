/**
 * P4 rotation: the engine's rewrap (src/core/rotation reencryptFiles, kek-v1 -> kek-v2: only the DEKs
 * are re-wrapped) of the ~1 GB envelope log, against a plain copy of it (streamed read + write +
 * fsync) and against a full re-encryption (decrypt + fresh DEK + re-seal of every value, Everruns'
 * way; reference code here). Also prints a minimal reference rewrap and the crypto floor of a rewrap
 * (one unwrap + one wrap per value, no I/O), which bound what any rewrap can reach on this machine.
 * If the rotation module cannot be loaded the figure is `not-measured` with the reason.
 */
import { copyFile, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openEnvelopeData, sealEnvelope, unwrapDek, wrapDek } from '../src/core/crypto';
import type { EnvelopeValue } from '../src/core/model';
import { atLeast, atMost, log, round, settle, timed, type Figure } from './lib';
import { benchKeks, kekSpec, type EnvelopeInput, type Kek } from './inputs';
import { kernelFloors, reencryptLinesBatched } from './p4-kernel';
import { ENVELOPE_SCAN, gcmKernel } from '../src/core/crypto/gcm-kernel';

const CHUNK = 8 << 20;

/** Streams `src` to `dst` line by line through `map` (whole lines only; 8 MiB reads, one write per chunk), then fsyncs. */
async function mapLines(src: string, dst: string, map: ((line: string) => string) | null, batch?: (lines: string[]) => string[]): Promise<number> {
  const inp = await open(src, 'r');
  const out = await open(dst, 'w', 0o600);
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  let carry = Buffer.alloc(0);
  try {
    for (;;) {
      const { bytesRead } = await inp.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      if (!map && !batch) {
        await out.write(buf, 0, bytesRead);
        continue;
      }
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
      const last = data.lastIndexOf(10);
      const whole = data.subarray(0, last + 1).toString('utf8');
      carry = Buffer.from(data.subarray(last + 1));
      const lines = whole.split('\n');
      lines.pop();
      await out.write((batch ? batch(lines) : lines.map(map!)).join('\n') + '\n');
    }
    if (carry.length) await out.write(carry);
    await out.sync();
  } finally {
    await inp.close();
    await out.close();
  }
  return pos;
}

/** Minimal rewrap: only `key_id` and `dek_wrapped` of each value change; everything else is copied. */
function rewrapLine(from: Kek, to: Kek): (line: string) => string {
  const marker = `"key_id":"${from.id}","dek_wrapped":"`;
  return (line) => {
    let out = '';
    let at = 0;
    for (;;) {
      const i = line.indexOf(marker, at);
      if (i < 0) break;
      const start = i + marker.length;
      const end = line.indexOf('"', start);
      const dek = unwrapDek(from.key, line.slice(start, end));
      out += line.slice(at, i) + `"key_id":"${to.id}","dek_wrapped":"` + wrapDek(to.key, dek);
      dek.fill(0);
      at = end;
    }
    return at === 0 ? line : out + line.slice(at);
  };
}

/** Full re-encryption: every value decrypted and sealed again with a fresh DEK under the new KEK. */
function reencryptLine(from: Kek, to: Kek): (line: string) => string {
  return (line) => {
    const obj = JSON.parse(line) as Record<string, EnvelopeValue | null>;
    for (const name of ['request_data', 'response_data']) {
      const v = obj[name];
      if (!v) continue;
      const pt = openEnvelopeData(v, unwrapDek(from.key, v.dek_wrapped));
      obj[name] = sealEnvelope(pt, to.key, to.id);
      pt.fill(0);
    }
    return JSON.stringify(obj);
  };
}

/**
 * The engine's rotation (src/core/rotation): `reencryptFiles` on a working copy of the log, kek-v1 ->
 * kek-v2 (DEK re-wrap only; includes its fsync, read-back verification and atomic rename).
 */
async function engineRotation(input: EnvelopeInput, work: string): Promise<{ ms: number; report: Record<string, unknown> } | { reason: string }> {
  let rotation: typeof import('../src/core/rotation');
  try {
    rotation = await import('../src/core/rotation');
  } catch (e) {
    return { reason: `src/core/rotation cannot be loaded: ${(e as Error).message}` };
  }
  const { v1, v2 } = benchKeks();
  process.env.ENCLOG_BENCH_KEK_OLD = kekSpec(v1);
  process.env.ENCLOG_BENCH_KEK_NEW = kekSpec(v2);
  const to = 'env:ENCLOG_BENCH_KEK_NEW';
  await copyFile(input.path, work);
  // The working copy is put at rest before the clock starts, as a log to rotate is (and as the copy's
  // input is): otherwise the rotation's first fsync (its lock) waits for the file system to commit
  // this fresh 1.2 GB copy, and its last one competes with writing it back (0.3-0.9 s measured here).
  const fh = await open(work, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  const { engineRotationKeys } = await import('../src/core/engine');
  const keys = engineRotationKeys({ keyRefs: [to, 'env:ENCLOG_BENCH_KEK_OLD'], env: process.env, poolSize: 1 });
  try {
    await settle();
    // The CLI's default batch (256 lines; `enclog reencrypt --batch-size`): 1024-line batches cost ~25%
    // more CPU here, most of it garbage collection (main thread GC 30% -> 11% of its time at 256).
    const cpu0 = process.cpuUsage();
    const t = await timed(() => rotation.reencryptFiles([work], keys, { to }));
    const cpu = process.cpuUsage(cpu0);
    const r = t.value[0]!;
    if (r.status !== 'rotated' || r.fieldsFailed > 0) return { reason: `rotation ended '${r.status}' (${r.fieldsFailed} fields failed): ${r.error ?? ''}` };
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return { ms: t.ms, report: { kernel: r.kernel, entries: r.entries, fields_rewritten: r.fieldsRewritten, bytes_in: r.bytesIn, bytes_out: r.bytesOut, status: r.status, cpu_ms_both_threads: round(cpuMs, 0) } };
  } finally {
    await keys.dispose();
    delete process.env.ENCLOG_BENCH_KEK_OLD;
    delete process.env.ENCLOG_BENCH_KEK_NEW;
  }
}

/** The crypto floor of a rewrap: one AES-GCM unwrap + one wrap per value on pre-decoded bytes, extrapolated. */
async function rewrapCryptoFloor(input: EnvelopeInput, from: Kek, to: Kek, sample: number): Promise<{ ms: number; batchMs: number; values: number }> {
  const { LogFile } = await import('../src/core/formats/log-file');
  const f = await LogFile.open(input.path);
  const n = Math.min(sample, f.entryCount);
  const recs = await f.readRecords(0, n);
  await f.close();
  const wrapped = recs.flatMap((r) => r.fields.map((x) => Buffer.from((x as { data: EnvelopeValue }).data.dek_wrapped, 'base64')));
  const { createCipheriv, createDecipheriv, randomBytes } = await import('node:crypto');
  const t = await timed(() => {
    for (const w of wrapped) {
      const d = createDecipheriv('aes-256-gcm', from.key, w.subarray(0, 12));
      d.setAuthTag(w.subarray(44));
      const dek = d.update(w.subarray(12, 44));
      d.final();
      const c = createCipheriv('aes-256-gcm', to.key, randomBytes(12));
      c.update(dek);
      c.final();
      c.getAuthTag();
    }
  });
  const perEntry = t.ms / n;
  // The same unwrap + wrap through the batch kernel the engine uses (src/core/crypto/gcm-batch.ts):
  // one key schedule per KEK, 1024 values per call.
  const { GcmBatchKey } = await import('../src/core/crypto/gcm-batch');
  const gFrom = new GcmBatchKey(from.key);
  const gTo = new GcmBatchKey(to.key);
  const tb = await timed(() => {
    for (let at = 0; at < wrapped.length; at += 1024) {
      const part = wrapped.slice(at, at + 1024);
      const deks = gFrom.openMany(part.map((w) => w.subarray(0, 12)), part.map((w) => w.subarray(12))) as Buffer[];
      gTo.sealMany(deks.map(() => randomBytes(12)), deks);
    }
  });
  gFrom.wipe();
  gTo.wipe();
  return { ms: perEntry * input.entries, batchMs: (tb.ms / n) * input.entries, values: Math.round((wrapped.length / n) * input.entries) };
}

/** The active batch kernel's per-value floors (KEK unwrap + wrap, data authentication, digest), extrapolated to the log. */
async function kernelFloor(input: EnvelopeInput, from: Kek, to: Kek, sample: number): Promise<Record<string, number | string>> {
  const { LogFile } = await import('../src/core/formats/log-file');
  const f = await LogFile.open(input.path);
  const n = Math.min(sample, f.entryCount);
  const recs = await f.readRecords(0, n);
  await f.close();
  const values = recs.flatMap((r) => r.fields.map((x) => (x as { data: EnvelopeValue }).data));
  const deks = values.map((v) => unwrapDek(from.key, v.dek_wrapped));
  const k = kernelFloors(values, deks, from, to);
  for (const d of deks) d.fill(0);
  const scale = input.entries / n;
  return {
    kernel: `${gcmKernel().name} (${gcmKernel().detail})`,
    ...perUnit('unwrap_wrap', k.unwrapWrapMs, scale, values.length, 'value', 3),
    ...perUnit('data_auth', k.dataAuthMs, scale, values.length, 'value', 3),
    ...perUnit('digest', k.digestMs, scale, values.length, 'value', 3),
  };
}

/** `<name>_ms`: `ms` measured on a sample, times `scale` (to the whole log); `<name>_us_per_<unit>`: per one of the sample's `count` units. */
function perUnit(name: string, ms: number, scale: number, count: number, unit: 'line' | 'value', digits = 2): Record<string, number> {
  return { [`${name}_ms`]: round(ms * scale, 0), [`${name}_us_per_${unit}`]: round((ms * 1000) / count, digits) };
}

/**
 * The per-line and per-value work any rewrap that keeps the engine's guarantees must do, measured on
 * the log's first `sample` lines and extrapolated: parse each line (the rewrite and, independently,
 * the read-back), authenticate each value's data with its DEK (one AES-GCM context per value: every
 * value has its own key), and digest each value twice (expected and read back). The AES of the KEK
 * unwraps and wraps is the batch-kernel floor measured apart. Single thread, no I/O.
 */
async function lineWorkFloor(input: EnvelopeInput, from: Kek, sample: number): Promise<Record<string, number>> {
  const { readFile } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const head = (await readFile(input.path)).subarray(0, 64 << 20).toString('utf8');
  const lines = head.split('\n').slice(0, sample).filter((l) => l.length > 0);
  const parse = await timed(() => {
    let n = 0;
    for (const l of lines) n += Object.keys(JSON.parse(l) as object).length;
    return n;
  });
  const values = lines.flatMap((l) => {
    const o = JSON.parse(l) as Record<string, EnvelopeValue | null>;
    return [o.request_data, o.response_data].filter((v): v is EnvelopeValue => !!v && typeof v === 'object');
  });
  const deks = values.map((v) => unwrapDek(from.key, v.dek_wrapped));
  const auth = await timed(() => {
    for (let i = 0; i < values.length; i++) openEnvelopeData(values[i]!, deks[i]!).fill(0);
  });
  const digest = await timed(() => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      createHash('sha256').update('K').update(deks[i]!).update(v.nonce).update('|').update(v.ciphertext).digest();
    }
  });
  for (const d of deks) d.fill(0);
  // The engine's own line work with the native kernel: its envelope-line scanner, over batches of 256 lines.
  const scanner = gcmKernel().scanEnvelopeLines;
  let scan: { ms: number } | null = null;
  if (scanner) {
    const batches: Buffer[] = [];
    for (let i = 0; i < lines.length; i += 256) batches.push(Buffer.from(lines.slice(i, i + 256).join('\n') + '\n', 'utf8'));
    const rec = new Uint32Array(1024 * ENVELOPE_SCAN.stride);
    scan = await timed(() => {
      for (const b of batches) if (scanner(b, rec) < 0) throw new Error('the scanner refused a line of the bench log');
    });
  }
  const perLine = input.entries / lines.length; // the sample's values per line hold for the whole log
  return {
    ...perUnit('parse', parse.ms, perLine, lines.length, 'line'),
    ...(scan ? perUnit('scan', scan.ms, perLine, lines.length, 'line') : {}),
    ...perUnit('data_auth', auth.ms, perLine, values.length, 'value'),
    ...perUnit('digest', digest.ms, perLine, values.length, 'value'),
  };
}

export async function runP4(input: EnvelopeInput, dir: string, opts: { reference: boolean }): Promise<Figure> {
  const { v1, v2 } = benchKeks();
  const out = join(dir, 'p4-out.log');
  const work = join(dir, 'p4-rotate.log');
  const prevState = process.env.ENCLOG_STATE_DIR;
  process.env.ENCLOG_STATE_DIR = join(dir, 'state'); // never the user's rotation state
  const title = 'rotation: rewrap of the 1 GB envelope log vs a plain copy and vs full re-encryption';
  try {
    await settle();
    const copy = await timed(() => mapLines(input.path, out, null));
    const raw: Record<string, unknown> = {
      file_bytes: input.bytes,
      entries: input.entries,
      copy_ms: round(copy.ms, 1),
      copy_MBps: round(input.bytes / 1e6 / (copy.ms / 1000), 0),
    };
    await settle();
    const reenc = await timed(() => mapLines(input.path, out, reencryptLine(v1, v2)));
    raw.full_reencrypt_ms = round(reenc.ms, 1);
    await settle();
    // The same full re-encryption with its AES batched through the engine's kernel (five calls per 8 MiB of lines).
    const reencK = await timed(() => mapLines(input.path, out, null, reencryptLinesBatched(v1, v2)));
    raw.full_reencrypt_kernel_ms = round(reencK.ms, 1);
    raw.gcm_kernel = `${gcmKernel().name} (${gcmKernel().detail})`;
    log(`P4 copy ${(copy.ms / 1000).toFixed(1)} s, full re-encryption (reference, createCipheriv) ${(reenc.ms / 1000).toFixed(1)} s, with the ${gcmKernel().name} batch kernel ${(reencK.ms / 1000).toFixed(1)} s`);
    if (opts.reference) {
      await settle();
      const rewrap = await timed(() => mapLines(input.path, out, rewrapLine(v1, v2)));
      const floor = await rewrapCryptoFloor(input, v1, v2, 50_000);
      const work = await lineWorkFloor(input, v1, 50_000);
      const kf = await kernelFloor(input, v1, v2, 50_000);
      // Rewrite + read-back, each taking every line apart (the engine's scanner with the native kernel,
      // else JSON.parse) and digesting every value; the data authenticated once; the KEK AES once per
      // pass (the read-back unwraps only: about half the unwrap+wrap floor). The AES and digests as
      // the active batch kernel does them. No I/O, no copies, no line records: a lower bound.
      const lineWork = work.scan_ms ?? work.parse_ms!;
      const oneThread = 2 * lineWork + (kf.data_auth_ms as number) + 2 * (kf.digest_ms as number) + 1.5 * (kf.unwrap_wrap_ms as number);
      Object.assign(raw, {
        reference_rewrap_ms: round(rewrap.ms, 1),
        reference_rewrap_vs_copy: round(rewrap.ms / copy.ms, 2),
        rewrap_crypto_floor_ms: round(floor.ms, 0),
        rewrap_crypto_floor_values: floor.values,
        rewrap_crypto_floor_vs_copy: round(floor.ms / copy.ms, 2),
        rewrap_batch_kernel_floor_ms: round(floor.batchMs, 0),
        rewrap_batch_kernel_floor_vs_copy: round(floor.batchMs / copy.ms, 2),
        line_work_floor: work,
        kernel_floor: kf,
        rewrap_floor_one_thread_ms: round(oneThread, 0),
        rewrap_floor_two_cores_ms: round(oneThread / 2, 0),
        rewrap_floor_two_cores_vs_copy: round(oneThread / 2 / copy.ms, 2),
        full_reencrypt_vs_rewrap_floor_two_cores: round(reenc.ms / (oneThread / 2), 2),
      });
      log(`P4 floor of a verified rewrap: ${(oneThread / 1000).toFixed(1)} s on one thread, ${(oneThread / 2000).toFixed(1)} s on two cores (${(oneThread / 2 / copy.ms).toFixed(1)}x copy)`);
    }
    await rm(out, { force: true });
    const engine = await engineRotation(input, work);
    if (!('ms' in engine)) return { figure: 'P4', title, status: 'not-measured', pass: null, checks: [], reason: engine.reason, ...raw };
    const vsCopy = engine.ms / copy.ms;
    const speedup = reenc.ms / engine.ms;
    const speedupKernel = reencK.ms / engine.ms;
    log(`P4 engine rewrap ${(engine.ms / 1000).toFixed(1)} s: ${vsCopy.toFixed(1)}x copy, ${speedup.toFixed(1)}x faster than full re-encryption (${speedupKernel.toFixed(2)}x than it with the same kernel)`);
    return {
      figure: 'P4',
      title,
      status: 'measured',
      pass: vsCopy <= 2 && speedup >= 10,
      checks: [atMost('rewrap_vs_copy_ratio', vsCopy, 2), atLeast('full_reencrypt_vs_rewrap_speedup', speedup, 10)],
      rewrap_ms: round(engine.ms, 1),
      rewrap_MBps: round(input.bytes / 1e6 / (engine.ms / 1000), 1),
      full_reencrypt_kernel_vs_rewrap: round(speedupKernel, 2),
      rotation_report: engine.report,
      ...raw,
      note: 'rewrap = reencryptFiles (DEK re-wrap, fsync, read-back verification, atomic rename) on a copy of the log; copy = streamed read+write+fsync; full re-encryption = decrypt + fresh DEK + re-seal of every value (reference code in bench/, no verification: a lower bound), createCipheriv per operation like the Everruns CLI (the target ratio: what a user would run instead) and, as full_reencrypt_kernel_ms, batched through the same AES-GCM kernel as the rewrap (like for like); crypto floor = one unwrap + one wrap per value on pre-decoded bytes, no I/O, extrapolated from 50k entries, with createCipheriv per operation and with the batch kernel (GcmBatchKey) the engine uses; kernel_floor = unwrap + wrap, data authentication and digest per value through the active kernel (gcm_kernel); rewrap floor = 2 line passes (the native line scanner when it is there, else JSON.parse: line_work_floor scan_ms / parse_ms) + kernel data authentication + 2 kernel digests per value + 1.5x the kernel unwrap+wrap floor (what a rewrap that verifies by reading back must do), on one thread and ideally split over two cores; cpu_ms_both_threads = CPU time of the rewrap (main thread + its worker threads), less sensitive to the machine load than the wall time',
    };
  } finally {
    await rm(out, { force: true });
    await rm(work, { force: true });
    await rm(join(dir, 'state'), { recursive: true, force: true });
    if (prevState === undefined) delete process.env.ENCLOG_STATE_DIR;
    else process.env.ENCLOG_STATE_DIR = prevState;
  }
}
