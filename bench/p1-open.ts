/**
 * P1 open: time to the first screen (first 100 entries decrypted) of a ~1 GB / ~1M-entry envelope log
 * and of a ~10 MB one, each in a fresh Engine, progressive open (the viewer's path) and, for
 * reference, the plain full-index open; the full line-index build throughput against a raw sequential
 * read of the same file; and the index's memory per entry.
 */
import { open } from 'node:fs/promises';
import { createEngine } from '../src/core/engine';
import { LineIndex } from '../src/core/formats/line-index';
import { atLeast, atMost, figure, log, median, round, settle, timed, type Figure } from './lib';
import type { EnvelopeInput } from './inputs';

export const FIRST_SCREEN = 100;

async function firstScreen(path: string, keyRef: string, progressive: boolean): Promise<{ ms: number; entries: number; openMs: number }> {
  const engine = createEngine({ keyRefs: [keyRef], poolSize: 1 });
  try {
    const t0 = process.hrtime.bigint();
    const session = await engine.open(path, { progressive });
    const openMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const entries = await session.decryptEntries(0, FIRST_SCREEN);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const bad = entries.filter((e) => e.status !== 'ok' && e.reason !== null);
    if (entries.length !== FIRST_SCREEN || bad.length > 0) throw new Error(`first screen of ${path}: ${entries.length} entries, ${bad.length} failed (${bad[0]?.error})`);
    return { ms, entries: entries.length, openMs };
  } finally {
    await engine.dispose();
  }
}

async function rawRead(path: string, chunk = 1 << 20): Promise<number> {
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(chunk);
  let pos = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return pos;
}

async function buildIndex(path: string): Promise<LineIndex> {
  const fh = await open(path, 'r');
  try {
    return await LineIndex.build(fh, path);
  } finally {
    await fh.close();
  }
}

export async function runP1(big: EnvelopeInput, small: EnvelopeInput, keyRef: string, opts: { rounds: number; indexRounds: number; fullOpenRounds: number }): Promise<Figure> {
  const sizes = [
    { label: 'small', input: small },
    { label: 'big', input: big },
  ];
  // First screen, progressive, alternating sizes so drift hits both alike.
  const prog: Record<string, number[]> = { small: [], big: [] };
  const progOpen: Record<string, number[]> = { small: [], big: [] };
  for (let r = 0; r < opts.rounds; r++) {
    for (const s of sizes) {
      await settle();
      const m = await firstScreen(s.input.path, keyRef, true);
      prog[s.label]!.push(m.ms);
      progOpen[s.label]!.push(m.openMs);
    }
  }
  log(`P1 first screen (progressive) small ${median(prog.small!).toFixed(1)} ms, big ${median(prog.big!).toFixed(1)} ms`);
  // The same with a full index before the first read (the old open, still LogFile.open's default).
  const full: Record<string, number[]> = { small: [], big: [] };
  for (let r = 0; r < opts.fullOpenRounds; r++) {
    for (const s of sizes) {
      await settle();
      full[s.label]!.push((await firstScreen(s.input.path, keyRef, false)).ms);
    }
  }
  log(`P1 first screen (full index first) small ${median(full.small!).toFixed(1)} ms, big ${median(full.big!).toFixed(1)} ms`);

  // Index build vs raw sequential read of the big file, alternating.
  const raw: number[] = [];
  const idx: number[] = [];
  let index: LineIndex | null = null;
  for (let r = 0; r < opts.indexRounds; r++) {
    await settle();
    raw.push((await timed(() => rawRead(big.path))).ms);
    index = null;
    await settle();
    const t = await timed(() => buildIndex(big.path));
    idx.push(t.ms);
    index = t.value;
  }
  const mb = big.bytes / 1e6;
  const rawMBps = mb / (median(raw) / 1000);
  const idxMBps = mb / (median(idx) / 1000);
  const ratios = raw.map((t, i) => t / idx[i]!);
  const entries = index!.entryCount;
  const bytesPerEntry = index!.memoryBytes / entries;
  // Whole progressive build in the background (what the viewer waits for to know the total).
  await settle();
  const engine = createEngine({ keyRefs: [keyRef], poolSize: 1 });
  const bg = await timed(async () => {
    const s = await engine.open(big.path, { progressive: true });
    await s.whenIndexed();
    return s.entryCount();
  });
  await engine.dispose();
  if (bg.value !== entries) throw new Error(`progressive index found ${bg.value} entries, full build ${entries}`);
  log(`P1 index ${idxMBps.toFixed(0)} MB/s vs raw ${rawMBps.toFixed(0)} MB/s, ${bytesPerEntry.toFixed(1)} B/entry`);

  const fsBig = median(prog.big!);
  const fsSmall = median(prog.small!);
  return figure(
    'P1',
    'open: first screen of 10 MB and 1 GB envelope logs; line-index throughput and memory',
    [
      atMost('first_screen_ms_small', fsSmall, 300),
      atMost('first_screen_ms_big', fsBig, 300),
      atLeast('index_vs_raw_read_ratio', median(ratios), 0.5),
      atMost('index_bytes_per_entry', bytesPerEntry, 32),
    ],
    {
      first_screen_entries: FIRST_SCREEN,
      files: Object.fromEntries(sizes.map((s) => [s.label, { bytes: s.input.bytes, entries: s.input.entries }])),
      first_screen_ms: { small: round(fsSmall, 1), big: round(fsBig, 1), small_all: prog.small!.map((x) => round(x, 1)), big_all: prog.big!.map((x) => round(x, 1)) },
      first_screen_big_over_small: round(fsBig / fsSmall, 2),
      progressive_open_ms: { small: round(median(progOpen.small!), 1), big: round(median(progOpen.big!), 1) },
      full_index_first_screen_ms: { small: round(median(full.small!), 1), big: round(median(full.big!), 1) },
      index_build_ms: round(median(idx), 1),
      raw_read_ms: round(median(raw), 1),
      index_MBps: round(idxMBps, 0),
      raw_read_MBps: round(rawMBps, 0),
      index_vs_raw_read_ratios: ratios.map((x) => round(x, 3)),
      progressive_full_index_ms: round(bg.ms, 1),
      index_entries: entries,
      index_memory_bytes: index!.memoryBytes,
      note: 'page cache warm (the files were just written or read); medians of alternating rounds',
    },
  );
}
