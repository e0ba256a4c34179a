/**
 * P6 masking as a security control (issue 12): recall and false-positive rate per category on the
 * labelled PII corpus (test/fixtures/pii-corpus; its held-out set reported apart), the time to mask a 1 MB adversarial entry (every
 * shape of test/fixtures/pii-corpus/adversarial.ts in one entry), the worst single shape at 1 MB,
 * and the throughput on PII-dense prompt text.
 */
import { defaultMaskOptions, maskBudget, maskText, MASK_CATEGORIES } from '../src/core/masking';
import { ADVERSARIAL_SHAPES, adversarialEntry, HELD_OUT_CLEAN, HELD_OUT_POSITIVES, measureCorpus } from '../test/fixtures/pii-corpus';
import { atLeast, atMost, figure, log, median, now, round, settle, type Figure } from './lib';

const MB = 1 << 20;

function maskMs(text: string): number {
  const budget = maskBudget(120_000);
  const t = now();
  maskText(text, defaultMaskOptions(), budget);
  const ms = now() - t;
  if (budget.exceeded) throw new Error('P6: the masking budget ran out');
  return ms;
}

function throughputMBps(): number {
  const para =
    'You are a helpful assistant. The user asked: "Summarise the Q3 2024 report? Revenue grew 12.5% to $4.2M. ' +
    'Contact: jane.smith@acme.example or +1 (555) 123-4567." Cite sections (e.g. 3.1, 4.2.7). Tool output:\n' +
    '{"results":[{"title":"Quarterly report","score":0.92,"snippet":"Churn fell to 3.1%."}],"took_ms":143}\n';
  const chunks = para.repeat(Math.ceil((2 * MB) / para.length)).match(/[\s\S]{1,4096}/g)!;
  const opts = defaultMaskOptions();
  chunks.slice(0, 100).forEach((c) => maskText(c, opts));
  const t = now();
  for (const c of chunks) maskText(c, opts);
  return (chunks.length * 4096) / 1e6 / ((now() - t) / 1000);
}

export async function runP6(rounds: number): Promise<Figure> {
  const t0 = now();
  const corpus = measureCorpus();
  const corpusMs = now() - t0;
  const heldOut = measureCorpus(defaultMaskOptions(), HELD_OUT_POSITIVES, HELD_OUT_CLEAN);
  const entry = adversarialEntry(MB);
  const entryRuns: number[] = [];
  for (let r = 0; r < rounds; r++) {
    await settle();
    entryRuns.push(maskMs(entry));
  }
  const shapes: Record<string, number> = {};
  for (const s of ADVERSARIAL_SHAPES) shapes[s.name] = round(maskMs(s.build(MB)), 1);
  const worst = Object.entries(shapes).sort((a, b) => b[1] - a[1])[0]!;
  const issueCase = maskMs('x=' + '/b='.repeat(800_000 / 3));
  const mbps = throughputMBps();
  const entryMs = median(entryRuns);
  log(`P6 recall ${(100 * corpus.recall.recall).toFixed(1)}% FP ${(100 * corpus.falsePositives.rate).toFixed(1)}%; 1 MB adversarial ${entryMs.toFixed(0)} ms; worst shape ${worst[0]} ${worst[1]} ms`);
  const categories = MASK_CATEGORIES.filter((c) => c !== 'custom');
  return figure(
    'P6',
    'Masking: recall and false positives per category on the labelled PII corpus; time to mask a 1 MB adversarial entry',
    [
      atLeast('recall', corpus.recall.recall, 0.99),
      atMost('false_positive_rate', corpus.falsePositives.rate, 0.01),
      ...categories.map((c) => atLeast(`recall_${c}`, corpus.recall.byCategory[c]!.recall, 0.99)),
      ...categories.map((c) => atMost(`false_positive_rate_${c}`, corpus.falsePositives.byCategory[c]!.rate, 0.01)),
      atMost('adversarial_1MB_entry_ms', entryMs, 1000),
    ],
    {
      positives: corpus.positives,
      clean: corpus.clean,
      recall_by_category: Object.fromEntries(categories.map((c) => [c, corpus.recall.byCategory[c]])),
      recall_by_form_below_1: Object.fromEntries(Object.entries(corpus.recall.byForm).filter(([, v]) => v.recall < 1)),
      false_positives_by_kind: corpus.falsePositives.byKind,
      misses: corpus.misses.slice(0, 20).map((m) => m.id),
      changed_clean: corpus.changedClean.slice(0, 20).map((c) => c.id),
      corpus_ms: round(corpusMs, 1),
      held_out: {
        note: 'written after tuning on the main corpus; reported, not a target (see bench/RESULTS.md for its first measurement)',
        positives: heldOut.positives,
        clean: heldOut.clean,
        recall: round(heldOut.recall.recall, 4),
        false_positive_rate: round(heldOut.falsePositives.rate, 4),
        misses: heldOut.misses.map((m) => m.id),
        changed_clean: heldOut.changedClean.map((c) => c.id),
      },
      adversarial_entry_bytes: entry.length,
      adversarial_entry_runs_ms: entryRuns.map((x) => round(x, 1)),
      adversarial_1MB_by_shape_ms: shapes,
      worst_shape: { name: worst[0], ms: worst[1] },
      x_eq_slash_b_800KB_ms: round(issueCase, 1),
      throughput_prompt_text_MBps: round(mbps, 1),
    },
  );
}
