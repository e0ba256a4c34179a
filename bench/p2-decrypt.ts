/**
 * P2 decrypt: the engine's envelope decryption (LogSession.decryptEntries in batches: read + parse
 * lines, unwrap DEKs, open data, assemble entries) against raw Node AES-256-GCM decryption of the
 * same bytes (the same DEK unwraps and data decrypts on pre-decoded buffers: the crypto floor).
 */
import { createDecipheriv } from 'node:crypto';
import { createEngine } from '../src/core/engine';
import { LogFile } from '../src/core/formats/log-file';
import type { EnvelopeValue } from '../src/core/model';
import { atLeast, figure, log, median, round, settle, timed, type Figure } from './lib';
import type { EnvelopeInput } from './inputs';

interface RawField {
  dekNonce: Buffer;
  dekSealed: Buffer;
  nonce: Buffer;
  sealed: Buffer;
}

function rawDecryptAll(kek: Buffer, fields: RawField[]): number {
  let out = 0;
  for (const f of fields) {
    const u = createDecipheriv('aes-256-gcm', kek, f.dekNonce);
    u.setAuthTag(f.dekSealed.subarray(32));
    const dek = Buffer.concat([u.update(f.dekSealed.subarray(0, 32)), u.final()]);
    const d = createDecipheriv('aes-256-gcm', dek, f.nonce);
    d.setAuthTag(f.sealed.subarray(f.sealed.length - 16));
    const pt = Buffer.concat([d.update(f.sealed.subarray(0, f.sealed.length - 16)), d.final()]);
    out += pt.length;
  }
  return out;
}

export async function runP2(input: EnvelopeInput, keyRef: string, opts: { entries: number; batch: number; rounds: number }): Promise<Figure> {
  const n = Math.min(opts.entries, input.entries);
  // The same bytes, decoded once, untimed.
  const file = await LogFile.open(input.path);
  const records = await file.readRecords(0, n);
  const lastLine = records[records.length - 1]!.line;
  const spanBytes = file.index.lineEnd(lastLine) - file.index.lineStart(records[0]!.line);
  await file.close();
  const fields: RawField[] = records.flatMap((r) =>
    r.fields.map((f) => {
      const v = (f as { data: EnvelopeValue }).data;
      const w = Buffer.from(v.dek_wrapped, 'base64');
      return { dekNonce: w.subarray(0, 12), dekSealed: w.subarray(12), nonce: Buffer.from(v.nonce, 'base64'), sealed: Buffer.from(v.ciphertext, 'base64') };
    }),
  );
  const engineMs: number[] = [];
  const rawMs: number[] = [];
  const engineCpu: number[] = [];
  const rawCpu: number[] = [];
  const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  let plaintextBytes = 0;
  for (let r = 0; r < opts.rounds; r++) {
    await settle();
    let c0 = process.cpuUsage();
    rawMs.push((await timed(() => (plaintextBytes = rawDecryptAll(input.kek.key, fields)))).ms);
    rawCpu.push(cpuMs(process.cpuUsage(c0)));
    await settle();
    const engine = createEngine({ keyRefs: [keyRef], poolSize: 1 });
    const session = await engine.open(input.path, { progressive: true });
    await session.whenIndexed(); // the index is not what P2 measures
    c0 = process.cpuUsage();
    const t = await timed(async () => {
      let ok = 0;
      for (let at = 0; at < n; at += opts.batch) {
        for (const e of await session.decryptEntries(at, Math.min(opts.batch, n - at))) if (e.status === 'ok') ok++;
      }
      return ok;
    });
    engineCpu.push(cpuMs(process.cpuUsage(c0)));
    await engine.dispose();
    if (t.value !== n) throw new Error(`P2: ${n - t.value} of ${n} entries failed to decrypt`);
    engineMs.push(t.ms);
  }
  const eMs = median(engineMs);
  const rMs = median(rawMs);
  const ratio = median(rawMs.map((x, i) => x / engineMs[i]!));
  log(`P2 engine ${(n / (eMs / 1000)).toFixed(0)} entries/s vs raw AES-GCM ${(n / (rMs / 1000)).toFixed(0)} entries/s`);
  return figure('P2', 'decrypt: envelope entries through the engine vs raw Node AES-256-GCM of the same bytes', [atLeast('engine_vs_raw_aes_gcm_ratio', ratio, 0.5)], {
    entries: n,
    fields: fields.length,
    batch: opts.batch,
    file_bytes: spanBytes,
    plaintext_bytes: plaintextBytes,
    engine_ms: round(eMs, 1),
    raw_ms: round(rMs, 1),
    engine_entries_per_s: round(n / (eMs / 1000), 0),
    raw_entries_per_s: round(n / (rMs / 1000), 0),
    engine_MBps: round(spanBytes / 1e6 / (eMs / 1000), 1),
    raw_MBps: round(spanBytes / 1e6 / (rMs / 1000), 1),
    ratios: rawMs.map((x, i) => round(x / engineMs[i]!, 3)),
    cpu_time_ratio: round(median(rawCpu.map((x, i) => x / engineCpu[i]!)), 3),
    note: 'ratio = median over alternating rounds of raw time / engine time (wall); cpu_time_ratio = the same with process CPU time (less sensitive to other load); MB/s = log-file bytes of those entries per second; raw = 2 AES-256-GCM decrypts per value (DEK unwrap + data) on pre-decoded buffers',
  });
}
