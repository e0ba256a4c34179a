import assert from 'node:assert/strict';
import { defaultMaskOptions, hasRepeatedAmbiguousAlternation, maskBudget, maskString, maskText, maskValue, optionsForCategories, validateCustomRule } from '../../../src/core/masking';

describe('masking: time budget and runaway custom rules', function () {
  this.timeout(30_000);

  it('rejects repeated alternations whose branches can match alike, like (a|aa)+$', () => {
    for (const pattern of ['(a|aa)+$', '(a|a)*', '(\\w|\\d)+', '(.|\\n)*x', '((x|xy)z?)+', '(?:ab|ac){2,}', '(a|)+b', '(A|a)+', '(?<n>b|bb)*c']) {
      assert.match(validateCustomRule({ name: 'r', pattern, flags: pattern === '(A|a)+' ? 'i' : '' }) ?? '', /alternation whose branches can match the same text|repeats a group/, pattern);
    }
    for (const pattern of ['(?:foo|bar)+', '(a|b)+c', 'EMP-(?:\\d{6}|X\\d{5})', '(cat|dog)s?', '(a|aa){2}', '[ab]+']) {
      assert.equal(validateCustomRule({ name: 'r', pattern }), null, pattern);
    }
    assert.equal(hasRepeatedAmbiguousAlternation('(A|a)+'), false, 'case matters without i');
  });

  it('(a|aa)+$ on 41 characters is refused up front instead of running for seconds', () => {
    const t0 = performance.now();
    assert.throws(() => maskText('a'.repeat(40) + 'b', optionsForCategories(['custom'], [{ name: 'evil', pattern: '(a|aa)+$' }])), /exponential/);
    assert.ok(performance.now() - t0 < 500);
  });

  it('a custom rule that slips past the checks is stopped by the budget: the text is withheld, the entry flagged', () => {
    const slow = { name: 'poly', pattern: 'a*a*a*a*a*a*b' }; // polynomial (n^6), no nested group
    assert.equal(validateCustomRule(slow), null);
    const budget = maskBudget(200);
    const t0 = performance.now();
    const out = maskString('a'.repeat(5000), defaultMaskOptions([slow]), budget);
    const ms = performance.now() - t0;
    assert.equal(out, '[WITHHELD]');
    assert.equal(budget.exceeded, true);
    assert.ok(ms < 2000, `${ms} ms`);
    assert.equal(maskString('jane@x.io', defaultMaskOptions(), budget), '[WITHHELD]', 'the rest of the entry is withheld too');
  });

  it('an exhausted budget withholds every string and key of a value; a fresh one masks normally', () => {
    const budget = maskBudget(0);
    const v = maskValue({ a: 'jane@x.io', b: ['hello', 7] }, defaultMaskOptions(), budget);
    assert.deepEqual(v.value, { '[WITHHELD]': '[WITHHELD]', '[WITHHELD] #2': ['[WITHHELD]', 7] });
    assert.equal(budget.exceeded, true);
    const fresh = maskBudget();
    assert.deepEqual(maskValue({ a: 'jane@x.io' }, defaultMaskOptions(), fresh).value, { a: '[EMAIL]' });
    assert.equal(fresh.exceeded, false);
  });

  it('custom rules still match through the sandbox, with a budget', () => {
    const budget = maskBudget();
    assert.equal(maskString('by EMP-123456', optionsForCategories(['custom'], [{ name: 'emp', pattern: 'EMP-\\d{6}' }]), budget), 'by [CUSTOM:emp]');
  });
});
