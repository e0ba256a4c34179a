import { relative } from 'node:path';
import { hasFailingFindings, scanPolicy, type PolicyFinding, type PolicyReport } from '../../core/policy';
import { UsageError } from '../args';
import { configPolicy, loadConfig } from '../config';
import { withEngine } from '../context';
import type { Output } from '../output';

export const POLICY_USAGE = 'enclog policy check [PATH...] [--deep] [--key REF]... [--json]';

const LABEL = { error: 'ERROR', warning: 'WARN ', info: 'info ' } as const;

function where(f: PolicyFinding, cwd: string): string {
  if (!f.file) return f.key ?? '-';
  const rel = relative(cwd, f.file);
  const shown = rel && !rel.startsWith('..') ? rel : f.file;
  return f.line ? `${shown}:${f.line}` : shown;
}

async function printHuman(report: PolicyReport, out: Output, cwd: string): Promise<void> {
  for (const f of report.findings) {
    await out.line(`${LABEL[f.severity]} ${f.rule}  ${where(f, cwd)}`);
    await out.line(`      ${f.message}`);
    await out.line(`      fix: ${f.fix}`);
  }
  for (const n of report.notes) await out.line(`note: ${n}`);
  const logs = report.files.filter((f) => f.kind === 'encrypted-log').length;
  const plain = report.files.filter((f) => f.kind === 'plaintext-llm-log').length;
  const s = report.summary;
  await out.line(
    `${s.error} error(s), ${s.warning} warning(s), ${s.info} info; looked at ${report.files.length} file(s) (${logs} encrypted log(s), ${plain} plaintext LLM log(s)), ` +
      `${report.keyFiles.length} key file(s), ${report.keys.length} key version(s)${report.deep ? '; deep' : '; head sample (--deep reads everything)'}`,
  );
}

/** `enclog policy check`: exit 0 when nothing fails the policy (info findings never do), 3 on findings, 2 usage. */
export function policyCommand(argv: string[], out: Output): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'check') throw new UsageError(`unknown policy subcommand ${sub ?? '(none)'}; usage: ${POLICY_USAGE}`);
  const cwd = process.cwd();
  const policy = configPolicy(loadConfig(cwd)); // a bad policy is a usage error before anything runs
  return withEngine(rest, { booleans: ['deep'] }, out, async (engine, args) => {
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    const tty = process.stderr.isTTY === true;
    let lastProgress = 0;
    try {
      const report = await scanPolicy(
        {
          paths: args.positional,
          baseDir: cwd,
          policy,
          deep: args.flags.has('deep'),
          keyRefs: engine.options.keyRefs,
          signal: controller.signal,
          onProgress: (p) => {
            if (!tty || Date.now() - lastProgress < 250) return;
            lastProgress = Date.now();
            process.stderr.write(`\r${p.phase} ${p.done}${p.total !== undefined ? `/${p.total}` : ''}\x1b[K`);
          },
        },
        {
          versions: () => engine.versions(),
          surveySymbiont: async (path, signal, onProgress) => {
            const session = await engine.open(path);
            try {
              return (await session.survey(signal, onProgress)).byKey;
            } finally {
              await session.close();
            }
          },
        },
      );
      if (tty) process.stderr.write('\r\x1b[K');
      if (args.flags.has('json')) {
        await out.json({ ok: !hasFailingFindings(report), ...report, keys: report.keys.map((k) => ({ label: k.label, role: k.role, kind: k.kind, createdTime: k.createdTime ?? null })) });
      } else await printHuman(report, out, cwd);
      return hasFailingFindings(report) ? 3 : 0;
    } catch (e) {
      if (controller.signal.aborted) {
        out.warn('enclog: policy check cancelled');
        return 2;
      }
      throw e;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  });
}
