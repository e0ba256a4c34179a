/**
 * P3 Symbiont: the engine's Argon2 worker pool decrypting a Symbiont log (every field costs one
 * Argon2id run) against cores x the single-thread Argon2id rate, for both kdf labels; and the time
 * to the first decrypted entry from a fresh engine (worker start-up included).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { argon2idRawSync, symbiontKdfParams } from '../src/core/crypto/argon2';
import { createEngine } from '../src/core/engine';
import { atLeast, figure, log, round, settle, timed, type Check, type Figure } from './lib';
import type { SymbiontInput } from './inputs';

const ENV = 'ENCLOG_BENCH_SYMBIONT_KEY';

const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;

async function singleThreadRate(kdf: string, runs: number): Promise<{ perRunMs: number; rate: number; cpuMsPerRun: number }> {
  const params = symbiontKdfParams(kdf);
  const pw = Buffer.from('single-thread-reference');
  argon2idRawSync(pw, Buffer.alloc(32, 1), params); // warm-up
  const c0 = process.cpuUsage();
  const t = await timed(() => {
    for (let i = 0; i < runs; i++) argon2idRawSync(pw, Buffer.alloc(32, i + 2), params);
  });
  return { perRunMs: t.ms / runs, rate: runs / (t.ms / 1000), cpuMsPerRun: cpuMs(process.cpuUsage(c0)) / runs };
}

/**
 * The ceiling any pool can reach on this machine: `threads` bare worker threads (the engine's own
 * argon2-worker.js, every job posted up front: no scheduling between runs) deriving at once, as a ratio
 * to threads x the single-thread rate. Below 1 when concurrent Argon2 runs slow each other down
 * (shared caches and memory bandwidth, or SMT siblings presented as cores).
 */
async function bareThreadsRate(kdf: string, runsPerThread: number, threads: number): Promise<number> {
  const params = symbiontKdfParams(kdf);
  const workers = Array.from({ length: threads }, () => new Worker(join(__dirname, 'argon2-worker.js')));
  const pending = new Map<number, { res: () => void; rej: (e: Error) => void }>();
  for (const w of workers) {
    w.on('message', (m: { id: number; error?: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.rej(new Error(m.error));
      else p?.res();
    });
  }
  try {
    const run = (w: Worker, id: number) =>
      new Promise<void>((res, rej) => {
        pending.set(id, { res, rej });
        w.postMessage({ id, password: new Uint8Array(Buffer.from('bare-thread-reference')), salt: new Uint8Array(Buffer.alloc(32, id % 251)), params });
      });
    await Promise.all(workers.map((w, t) => run(w, t))); // warm-up: module load
    const t0 = process.hrtime.bigint();
    await Promise.all(workers.flatMap((w, t) => Array.from({ length: runsPerThread }, (_, i) => run(w, 1000 + t * runsPerThread + i))));
    return (threads * runsPerThread) / (Number(process.hrtime.bigint() - t0) / 1e9);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

interface LabelResult {
  kdf: string;
  entries: number;
  fields: number;
  single_thread_ms_per_run: number;
  single_thread_ms_per_run_before_after: [number, number];
  single_thread_runs_per_s: number;
  pool_size: number;
  first_entry_ms: number;
  first_entry_fields: number;
  steady_fields: number;
  steady_ms: number;
  pool_fields_per_s: number;
  end_to_end_fields_per_s: number;
  ratio: number;
  single_thread_cpu_ms_per_run: number;
  pool_cpu_ms_per_field: number;
  cpu_efficiency: number;
  cores_obtained: number;
  /** Bare worker threads deriving at once / (cores x single thread): the machine's ceiling for the ratio. */
  bare_threads_ratio: number;
}

async function measure(input: SymbiontInput, singleRuns: number, cores: number): Promise<LabelResult> {
  await settle();
  // The reference is taken before and after the pool and averaged: this VM's speed drifts by tens of
  // percent over seconds, and one reference taken in a fast (or slow) moment skewed the ratio by as much.
  const before = await singleThreadRate(input.kdf, singleRuns);
  await settle();
  process.env[ENV] = input.key;
  const engine = createEngine({ keyRefs: [`env:${ENV}`], poolSize: cores });
  try {
    const session = await engine.open(input.path);
    const n = session.entryCount();
    const records = await session.readRecords(0, n);
    const fields = records.reduce((k, r) => k + r.fields.length, 0);
    const t0 = process.hrtime.bigint();
    const first = await session.decryptEntries(0, 1);
    const firstMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const c0 = process.cpuUsage();
    const rest = await timed(() => session.decryptEntries(1, n - 1));
    const restCpu = cpuMs(process.cpuUsage(c0));
    const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const bad = [...first, ...rest.value].filter((e) => e.status !== 'ok');
    if (bad.length) throw new Error(`P3 ${input.kdf}: ${bad.length} entries failed: ${bad[0]!.error}`);
    const steadyFields = fields - records[0]!.fields.length;
    await settle();
    const after = await singleThreadRate(input.kdf, singleRuns);
    await settle();
    const bare = await bareThreadsRate(input.kdf, singleRuns, cores);
    const single = { perRunMs: (before.perRunMs + after.perRunMs) / 2, rate: 2 / (1 / before.rate + 1 / after.rate), cpuMsPerRun: (before.cpuMsPerRun + after.cpuMsPerRun) / 2 };
    const poolRate = steadyFields / (rest.ms / 1000);
    return {
      kdf: input.kdf,
      entries: n,
      fields,
      single_thread_ms_per_run: round(single.perRunMs, 1),
      single_thread_ms_per_run_before_after: [round(before.perRunMs, 1), round(after.perRunMs, 1)],
      single_thread_runs_per_s: round(single.rate, 3),
      pool_size: cores,
      first_entry_ms: round(firstMs, 1),
      first_entry_fields: records[0]!.fields.length,
      steady_fields: steadyFields,
      steady_ms: round(rest.ms, 1),
      pool_fields_per_s: round(poolRate, 3),
      end_to_end_fields_per_s: round(fields / (totalMs / 1000), 3),
      ratio: round(poolRate / (cores * single.rate), 3),
      single_thread_cpu_ms_per_run: round(single.cpuMsPerRun, 1),
      pool_cpu_ms_per_field: round(restCpu / steadyFields, 1),
      cpu_efficiency: round(single.cpuMsPerRun / (restCpu / steadyFields), 3),
      cores_obtained: round(restCpu / rest.ms, 2),
      bare_threads_ratio: round(bare / (cores * single.rate), 3),
    };
  } finally {
    delete process.env[ENV];
    await engine.dispose();
  }
}

export async function runP3(inputs: SymbiontInput[], singleRuns: Record<string, number>): Promise<Figure> {
  const cores = availableParallelism();
  const results: LabelResult[] = [];
  for (const input of inputs) {
    const r = await measure(input, singleRuns[input.kdf] ?? 3, cores);
    log(`P3 ${r.kdf}: pool ${r.pool_fields_per_s} fields/s vs ${cores} x ${r.single_thread_runs_per_s} runs/s -> ${r.ratio} (bare threads, no pool: ${r.bare_threads_ratio}); first entry ${r.first_entry_ms} ms`);
    results.push(r);
  }
  const checks: Check[] = results.map((r) => atLeast(`pool_vs_cores_x_single_ratio[${r.kdf}]`, r.ratio, 0.85));
  return figure('P3', 'Symbiont: Argon2 worker-pool throughput vs cores x single-thread Argon2id, and time to the first entry', checks, {
    cores,
    by_kdf: results,
    first_entry_ms: Object.fromEntries(results.map((r) => [r.kdf, r.first_entry_ms])),
    first_entry_in_single_runs: Object.fromEntries(results.map((r) => [r.kdf, round(r.first_entry_ms / r.single_thread_ms_per_run, 2)])),
    note:
      'single thread = the mean of a reference taken just before and one just after the pool (the machine drifts); ' +
      'pool rate = fields/s after the first entry (one Argon2 run per field, one key); first entry from a fresh engine includes worker start-up. ' +
      'cpu_efficiency = single-thread CPU per Argon2 run / process CPU per field in the pool (the pool overhead, whatever the load); ' +
      'cores_obtained = process CPU time / wall time while the pool ran: the ratio can only reach 0.85 when this is close to the core count; ' +
      'bare_threads_ratio = the same ratio for bare worker threads deriving at once with every job posted up front (no pool, no engine): the ceiling this machine allows',
  });
}
