import { reencryptFiles, type RotationPhase, type RotationProgress } from '../../core/rotation';
import { intOption, UsageError } from '../args';
import type { Output } from '../output';
import { targetOriginText } from '../../core/rotation/target-origin';
import { refuseDirectoryVaultTarget } from '../target-origin';
import { required, withRotation } from './rotate';

export const REENCRYPT_USAGE = 'enclog reencrypt FILE... --to REF [--key REF]... [--dry-run] [--batch-size N] [--threads N] [--backup] [--kdf LABEL] [--json] [--quiet]';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Test hooks (documented for the test suites only): ENCLOG_TEST_KILL_AT=PHASE, ENCLOG_TEST_BATCH_DELAY_MS=N. */
function testHooks(env: NodeJS.ProcessEnv): ((phase: RotationPhase) => Promise<void>) | undefined {
  const killAt = env.ENCLOG_TEST_KILL_AT;
  const delay = Number(env.ENCLOG_TEST_BATCH_DELAY_MS ?? 0);
  if (!killAt && !delay) return undefined;
  return async (phase) => {
    if (phase === killAt) process.kill(process.pid, 'SIGKILL');
    if (phase === 'batch-written' && delay > 0) await new Promise((r) => setTimeout(r, delay));
  };
}

export function reencryptCommand(argv: string[], out: Output): Promise<number> {
  const spec = { values: ['to', 'batch-size', 'threads', 'kdf'], booleans: ['dry-run', 'backup', 'quiet'] };
  return withRotation(argv, spec, out, (a) => [required(a, 'to')], async ({ keys, args, store, config, origin }) => {
    if (args.positional.length === 0) throw new UsageError('expected at least one FILE');
    const dry = args.flags.has('dry-run');
    if (!dry) refuseDirectoryVaultTarget(required(args, 'to'), config, 're-encrypt to');
    const { info } = await keys.primary(required(args, 'to'));
    const targetOrigin = { ...origin(required(args, 'to'), '--to'), label: info.label, version: info.version };
    for (const w of targetOrigin.warnings) out.warn(`enclog: warning: ${w}`);
    const ac = new AbortController();
    const onSigint = () => {
      out.warn('enclog: cancelling (the original files stay as they are)…');
      ac.abort();
    };
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigint);
    let lastShown = 0;
    const quiet = args.flags.has('quiet') || args.flags.has('json');
    const onProgress = (p: RotationProgress) => {
      const now = Date.now();
      if (quiet || now - lastShown < 1000) return;
      lastShown = now;
      const pct = p.bytesTotal ? Math.floor((p.bytesDone / p.bytesTotal) * 100) : 100;
      out.warn(`[${p.fileIndex + 1}/${p.files}] ${p.path}: ${p.phase} ${pct}% ${p.entriesDone} entries ${mb(p.bytesDone)}/${mb(p.bytesTotal)}${p.etaSeconds !== null ? ` ETA ${Math.ceil(p.etaSeconds)} s` : ''}`);
    };
    try {
      const reports = await reencryptFiles(args.positional, keys, {
        to: required(args, 'to'),
        kdf: args.values.get('kdf'),
        batchSize: intOption(args, 'batch-size', 256, 1),
        threads: args.values.has('threads') ? intOption(args, 'threads', 0, 0) : undefined,
        backup: args.flags.has('backup'),
        dryRun: args.flags.has('dry-run'),
        signal: ac.signal,
        onProgress,
        onPhase: testHooks(process.env),
      });
      store.rememberLogs(reports.filter((r) => r.format !== null).map((r) => r.path));
      if (args.flags.has('json')) for (const r of reports) await out.json({ ...r, targetOrigin });
      else {
        await out.line(targetOriginText(targetOrigin));
        for (const r of reports) {
          if (r.recovered) await out.line(`${r.path}: ${r.recovered}`);
          const head = `${r.path}: ${r.status}`;
          if (r.error) await out.line(`${head}: ${r.error}`);
          else await out.line(`${head}: ${r.fieldsRewritten} of ${r.fields} value(s) ${dry ? 'would be ' : ''}rewritten to ${r.target}, ${r.fieldsOnTarget} already on it, ${r.fieldsFailed} failed, ${r.entries} entries, ${r.seconds.toFixed(2)} s${r.kernel ? ` (AES-GCM kernel ${r.kernel})` : ''}${r.appendedDuringRotation ? `, ${r.appendedDuringRotation} line(s) appended meanwhile kept` : ''}${r.backup ? `, backup ${r.backup}` : ''}`);
          if (r.workerFailure) out.warn(`${r.path}: ${r.workerFailure}; its batches were done on the main thread (slower, same checks)`);
          for (const f of r.failures.slice(0, 20)) await out.line(`  line ${f.line + 1}: ${f.message}`);
        }
        // Only what happened: values of files whose log was actually switched to the re-encrypted copy.
        const done = dry ? reports : reports.filter((r) => r.committed);
        const total = done.reduce((s, r) => s + r.fieldsRewritten, 0);
        const all = reports.reduce((s, r) => s + r.fields, 0);
        const failed = reports.filter((r) => r.status === 'failed' || r.status === 'cancelled').length;
        await out.line(
          dry
            ? `DRY RUN: would re-encrypt ${total} of ${all} values`
            : `Re-encrypted ${total} of ${all} values in ${done.length} file(s)${failed ? `; ${failed} file(s) failed or cancelled` : ''}`,
        );
      }
      if (reports.some((r) => r.ioError)) return 2;
      return reports.some((r) => r.status === 'failed' || r.status === 'cancelled' || r.fieldsFailed > 0 || r.failures.length > 0) ? 3 : 0;
    } finally {
      process.removeListener('SIGINT', onSigint);
      process.removeListener('SIGTERM', onSigint);
    }
  });
}
