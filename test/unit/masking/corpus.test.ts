import assert from 'node:assert/strict';
import { MASK_CATEGORIES, unmaskedOptions } from '../../../src/core/masking';
import { CLEAN_SAMPLES, measureCorpus, POSITIVE_SAMPLES, visiblePart } from '../../fixtures/pii-corpus';

/**
 * The labelled PII corpus (test/fixtures/pii-corpus) as a gate: recall >= 99% and false positives
 * <= 1%, overall and per category. A positive counts as recalled only when no 6-character window
 * of its secret is visible in any decoding of the output.
 */
describe('masking: labelled PII corpus', function () {
  this.timeout(60_000);
  const categories = MASK_CATEGORIES.filter((c) => c !== 'custom');

  it('holds >= 300 positives across every masked category and >= 300 clean strings', () => {
    assert.ok(POSITIVE_SAMPLES.length >= 300 && CLEAN_SAMPLES.length >= 300);
    for (const c of categories) assert.ok(POSITIVE_SAMPLES.filter((s) => s.category === c).length >= 30, c);
    assert.equal(new Set(POSITIVE_SAMPLES.map((s) => s.id)).size, POSITIVE_SAMPLES.length, 'ids are unique');
  });

  it('judges leaks in every decoding (the judge itself can fail)', () => {
    assert.equal(visiblePart('jane.smith@acme.test', 'to [EMAIL]'), null);
    assert.equal(visiblePart('jane.smith@acme.test', 'to jane.smi[EMAIL]'), 'janesm');
    assert.equal(visiblePart('jane.smith@acme.test', 'x=amFuZS5zbWl0aEBhY21lLnRlc3Q='), 'janesm'); // base64
    assert.equal(visiblePart('4111 1111 1111 1111', '４１１１ １１１１'), '411111'); // fullwidth
    assert.equal(visiblePart('hunter2!Xq', 'p=hunter2%21Xq'), 'hunter');
    const unmasked = measureCorpus(unmaskedOptions());
    assert.equal(unmasked.recall.recalled, 0, 'with masking off, every secret is visible');
  });

  it('recall >= 99% and false positives <= 1%, overall and per category', () => {
    const f = measureCorpus();
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(`      recall ${pct(f.recall.recall)} (${f.recall.recalled}/${f.recall.samples}), false positives ${pct(f.falsePositives.rate)} (${f.falsePositives.changed}/${f.clean})`);
    for (const c of categories) {
      const r = f.recall.byCategory[c]!;
      console.log(`        ${c.padEnd(14)} recall ${pct(r.recall).padStart(6)} (${r.recalled}/${r.samples})  FP ${pct(f.falsePositives.byCategory[c]!.rate)}`);
    }
    const detail = JSON.stringify({ misses: f.misses.slice(0, 10), changed: f.changedClean.slice(0, 10) }, null, 1);
    assert.ok(f.recall.recall >= 0.99, detail);
    assert.ok(f.falsePositives.rate <= 0.01, detail);
    for (const c of categories) {
      assert.ok(f.recall.byCategory[c]!.recall >= 0.99, `${c}: ${detail}`);
      assert.ok(f.falsePositives.byCategory[c]!.rate <= 0.01, `${c}: ${detail}`);
    }
  });
});
