/**
 * `npm run bench [-- --smoke] [--data-dir DIR] [--only P1,P3] [--keep-data] [--big-entries N]`
 *
 * Generates its inputs (reused across runs while their parameters match), measures P1..P5 as issue 5
 * defines them and P6 (masking recall, false positives and adversarial time, issue 12) and prints one JSON object per figure on stdout (progress goes to stderr). --smoke runs
 * tiny inputs in a temp dir to check that every figure is produced and well-formed (not the targets).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Argon2Pool } from '../src/core/crypto';
import { CURRENT_SYMBIONT_KDF } from '../src/core/crypto/argon2';
import { envelopeLog, kekSpec, symbiontLog } from './inputs';
import { log, machine, now, round, type Figure } from './lib';
import { runP1 } from './p1-open';
import { runP2 } from './p2-decrypt';
import { runP3 } from './p3-symbiont';
import { runP4 } from './p4-rotation';
import { runP5 } from './p5-transit';
import { runP6 } from './p6-masking';
import { runP7 } from './p7-ui';

interface Plan {
  bigEntries: number;
  smallEntries: number;
  p1: { rounds: number; indexRounds: number; fullOpenRounds: number };
  p2: { entries: number; batch: number; rounds: number };
  p3: { entries: Record<string, number>; singleRuns: Record<string, number> };
  p4: { reference: boolean };
  p5: { entries: number };
  p6: { rounds: number };
  /** P7 drives code-server + Chromium: rounds of opening; 0 = not run (smoke: no browser in the unit tier). */
  p7: { rounds: number };
}

const LEGACY_KDF = 'Argon2';

const FULL: Plan = {
  bigEntries: 1_000_000,
  smallEntries: 9_000,
  p1: { rounds: 5, indexRounds: 5, fullOpenRounds: 2 },
  p2: { entries: 50_000, batch: 1000, rounds: 5 },
  p3: { entries: { [CURRENT_SYMBIONT_KDF]: 48, [LEGACY_KDF]: 128 }, singleRuns: { [CURRENT_SYMBIONT_KDF]: 12, [LEGACY_KDF]: 24 } },
  p4: { reference: true },
  p5: { entries: 10_000 },
  p6: { rounds: 5 },
  p7: { rounds: Number(process.env.P7_ROUNDS ?? 4) },
};

const SMOKE: Plan = {
  bigEntries: 3_000,
  smallEntries: 300,
  p1: { rounds: 1, indexRounds: 1, fullOpenRounds: 1 },
  p2: { entries: 500, batch: 250, rounds: 1 },
  p3: { entries: { [CURRENT_SYMBIONT_KDF]: 2, [LEGACY_KDF]: 2 }, singleRuns: { [CURRENT_SYMBIONT_KDF]: 1, [LEGACY_KDF]: 1 } },
  p4: { reference: true },
  p5: { entries: Number(process.env.P5_N ?? 300) },
  p6: { rounds: 1 },
  p7: { rounds: 0 },
};

function args(argv: string[]) {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return { smoke: argv.includes('--smoke'), bigEntries: get('--big-entries'), dataDir: get('--data-dir'), only: get('--only')?.split(',').map((s) => s.trim().toUpperCase()), keep: argv.includes('--keep-data') };
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  // --big-entries N: a smaller (or larger) big log, for developing against P1/P2/P4 without the 1.2 GB run
  const plan = { ...(a.smoke ? SMOKE : FULL), ...(a.bigEntries ? { bigEntries: Number(a.bigEntries) } : {}) };
  const temp = a.smoke && !a.dataDir;
  const dir = a.dataDir ? resolve(a.dataDir) : temp ? mkdtempSync(join(tmpdir(), 'enclog-bench-smoke-')) : resolve(__dirname, '..', 'bench-data');
  mkdirSync(dir, { recursive: true });
  const want = (f: string) => !a.only || a.only.includes(f);
  const t0 = now();
  const print = (f: Figure | Record<string, unknown>) => process.stdout.write(JSON.stringify(f) + '\n');
  print({ figure: 'machine', ...machine(), mode: a.smoke ? 'smoke' : 'full', data_dir: dir });
  process.env.ENCLOG_STATE_DIR = join(dir, 'state'); // engines read rotation state: never the user's
  try {
    const { v1 } = (await import('./inputs')).benchKeks();
    process.env.ENCLOG_BENCH_KEK = kekSpec(v1);
    const keyRef = 'env:ENCLOG_BENCH_KEK';
    const ui = want('P7') && plan.p7.rounds > 0;
    const needBig = want('P1') || want('P2') || want('P4') || ui;
    const gen0 = now();
    const big = needBig ? await envelopeLog(dir, `envelope-${plan.bigEntries}.log`, plan.bigEntries) : null;
    const small = want('P1') || ui ? await envelopeLog(dir, `envelope-${plan.smallEntries}.log`, plan.smallEntries) : null;
    const genMs = now() - gen0;
    if (big) log(`inputs ready in ${(genMs / 1000).toFixed(1)} s (big: ${(big.bytes / 1e6).toFixed(0)} MB, ${big.entries} entries)`);
    if (want('P1')) print(await runP1(big!, small!, keyRef, plan.p1));
    if (want('P2')) print(await runP2(big!, keyRef, plan.p2));
    if (want('P3')) {
      const pool = new Argon2Pool(availableParallelism());
      const inputs = [];
      try {
        for (const [kdf, n] of Object.entries(plan.p3.entries)) inputs.push(await symbiontLog(dir, kdf, n, pool));
      } finally {
        await pool.close();
      }
      print(await runP3(inputs, plan.p3.singleRuns));
    }
    if (want('P4')) print(await runP4(big!, dir, plan.p4));
    if (want('P5')) print(await runP5(dir, plan.p5.entries));
    if (want('P6')) print(await runP6(plan.p6.rounds));
    if (ui) print(await runP7(big!, small!, plan.p7.rounds, dir));
    print({ figure: 'summary', total_s: round((now() - t0) / 1000, 1), input_generation_s: round(genMs / 1000, 1) });
  } finally {
    delete process.env.ENCLOG_BENCH_KEK;
    if (temp && !a.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
