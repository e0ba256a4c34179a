import assert from 'node:assert/strict';
import { defaultMaskOptions, maskBudget, maskText } from '../../../src/core/masking';
import { ADVERSARIAL_SHAPES, adversarialEntry } from '../../fixtures/pii-corpus';

const MB = 1 << 20;
/** Generous against a loaded 2-core machine; the bench (P6) reports the real figure, target 1 s. */
const LIMIT_MS = 5000;

function timeMask(text: string): { ms: number; exceeded: boolean; out: string } {
  const budget = maskBudget(60_000);
  const t0 = performance.now();
  const out = maskText(text, defaultMaskOptions(), budget).text;
  return { ms: performance.now() - t0, exceeded: budget.exceeded, out };
}

describe('masking: linear time on adversarial input', function () {
  this.timeout(180_000);

  it('"x=" + "/b="*k: 800 KB (107 s before the fix) masks in well under the limit', () => {
    const r = timeMask('x=' + '/b='.repeat(800_000 / 3));
    console.log(`      x=/b= 800 KB: ${r.ms.toFixed(0)} ms`);
    assert.ok(r.ms < LIMIT_MS && !r.exceeded, `${r.ms} ms`);
  });

  it('a 1 MB entry mixing every adversarial shape masks in under the limit', () => {
    const entry = adversarialEntry(MB);
    const r = timeMask(entry);
    console.log(`      1 MB adversarial entry (${ADVERSARIAL_SHAPES.length} shapes): ${r.ms.toFixed(0)} ms`);
    assert.ok(r.ms < LIMIT_MS && !r.exceeded, `${r.ms} ms`);
    assert.ok(!r.out.includes('415-555-0132') && !r.out.includes('jane@corp.example'), 'PII in it is masked');
  });

  /** Fastest of 3 runs: a load spike or GC pause on the shared machine hits one run, not all. */
  const fastest = (text: string) => {
    const runs = [timeMask(text), timeMask(text), timeMask(text)];
    assert.ok(runs.every((r) => !r.exceeded));
    return Math.min(...runs.map((r) => r.ms));
  };

  for (const shape of ADVERSARIAL_SHAPES) {
    it(`1 MB of ${shape.name}: under the limit, and about linear (1 MB vs 256 KB)`, () => {
      const smallText = shape.build(MB / 4);
      const bigText = shape.build(MB);
      // linear is 4x, quadratic 16x; a busy machine (GC of a big heap, other processes) can inflate
      // one pair of measurements, so the pair is measured again, up to 3 times, before failing
      let small = 0;
      let big = 0;
      for (let attempt = 0; attempt < 3; attempt++) {
        small = fastest(smallText);
        big = fastest(bigText);
        if (big < 8 * small + 100) break;
      }
      assert.ok(big < LIMIT_MS, `${big.toFixed(0)} ms`);
      assert.ok(big < 8 * small + 100, `256 KB ${small.toFixed(0)} ms, 1 MB ${big.toFixed(0)} ms`);
    });
  }
});
