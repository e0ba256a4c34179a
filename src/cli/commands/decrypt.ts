import { maskedEntryJson, maskEntry, type MaskedEntry } from '../../core/entry-json';
import { stringifyJson } from '../../core/json';
import { DEFAULT_MASK_BUDGET_MS, defaultMaskOptions, maskBudget, optionsForCategories, parseCategoryList, unmaskedOptions, type MaskOptions } from '../../core/masking';
import type { DecryptedEntry } from '../../core/model';
import { orderedEntries, sessionSource, ViewOrder } from '../../core/view';
import { intOption, UsageError, type ParsedArgs } from '../args';
import { formatOption, onePositional, withEngine } from '../context';
import { terminalSafeValue as v, type Output } from '../output';

export const DECRYPT_USAGE = 'enclog decrypt FILE [--key REF]... [--format symbiont|envelope|transit] [--max-trials N] [--json] [--no-mask | --mask CATEGORIES] [--from I] [--count N] [--batch-size N] [--mask-budget MS]';

export function maskOptionsFrom(args: ParsedArgs): MaskOptions {
  if (args.flags.has('no-mask') && args.values.has('mask')) throw new UsageError('--no-mask and --mask exclude each other');
  if (args.flags.has('no-mask')) return unmaskedOptions();
  const only = args.values.get('mask');
  return only === undefined ? defaultMaskOptions() : optionsForCategories(parseCategoryList(only));
}

function entryText(e: DecryptedEntry, m: MaskedEntry): string {
  const head = `#${e.index} ${v(e.timestamp ?? '-')} ${v(e.record.interactionType ?? '')} ${v(m.plain.model ?? '')} key=${v(e.key ?? '-')} ${e.status}`;
  const lines = [head.replace(/ +/g, ' ')];
  if (m.request !== null) lines.push(`  request:  ${stringifyJson(m.request)}`);
  if (m.response !== null) lines.push(`  response: ${stringifyJson(m.response)}`);
  if (m.plain.metadata !== null && Object.keys(m.plain.metadata).length > 0) lines.push(`  metadata: ${stringifyJson(m.plain.metadata)}`);
  if (m.plain.error) lines.push(`  error:    ${v(m.plain.error)}`);
  if (m.overBudget) lines.push('  masking:  over budget: values not scanned in time are [WITHHELD]');
  return lines.join('\n');
}

export function decryptCommand(argv: string[], out: Output): Promise<number> {
  const spec = { values: ['from', 'count', 'mask', 'batch-size', 'format', 'max-trials', 'mask-budget'], booleans: ['no-mask'] };
  return withEngine(argv, spec, out, async (engine, args, audit) => {
    const file = onePositional(args, 'FILE');
    const mask = maskOptionsFrom(args);
    // Each entry's masking time (wall clock): what is not scanned in time is withheld, never shown unmasked.
    const budgetMs = intOption(args, 'mask-budget', DEFAULT_MASK_BUDGET_MS);
    const session = await engine.open(file, { format: formatOption(args) });
    try {
      const total = session.entryCount();
      const from = Math.min(intOption(args, 'from', 0), total);
      const end = Math.min(total, from + intOption(args, 'count', total - from));
      // Transit unwraps share one Vault round trip per batch; Symbiont batches stay small so output streams.
      const batch = intOption(args, 'batch-size', session.format === 'symbiont' ? 16 : 256, 1);
      const shown = args.flags.has('no-mask') ? 'unmasked (--no-mask)' : args.values.has('mask') ? `masking only ${args.values.get('mask')}` : null;
      // Anything less than the default masking is a reveal, recorded before the first value is printed.
      if (shown) audit({ time: new Date().toISOString(), action: 'reveal', detail: `enclog decrypt ${file} entries ${from}..${end - 1}: ${shown}` });
      let failed = 0;
      const range = ViewOrder.range(from, end - from, total);
      for await (const e of orderedEntries(sessionSource(session), range, batch)) {
        if (e.status === 'error') failed++;
        if (args.flags.has('json')) await out.jsonText(maskedEntryJson(e, mask, maskBudget(budgetMs)));
        else {
          const m = maskEntry(e, mask, maskBudget(budgetMs));
          if (e.status === 'error') out.warn(`entry ${e.index} (line ${e.line + 1}): ${v(m.plain.error ?? '')}`);
          await out.line(entryText(e, m));
        }
      }
      if (failed > 0) out.warn(`${failed} of ${end - from} entries could not be decrypted`);
      return failed > 0 ? 3 : 0;
    } finally {
      await session.close();
    }
  });
}
