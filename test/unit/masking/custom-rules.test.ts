import assert from 'node:assert/strict';
import { CUSTOM_PATTERN_MAX_LENGTH, defaultMaskOptions, maskText, maskValue, MaskRuleError, optionsForCategories, validateCustomRule } from '../../../src/core/masking';

describe('masking: custom rules', () => {
  const emp = { name: 'employee-id', pattern: 'EMP-\\d{6}' };

  it('masks matches as [CUSTOM:<name>], honouring flags', () => {
    assert.equal(maskText('by EMP-123456 and EMP-654321', optionsForCategories(['custom'], [emp])).text, 'by [CUSTOM:employee-id] and [CUSTOM:employee-id]');
    const ci = { name: 'proj', pattern: 'project (apollo|gemini)', flags: 'i' };
    assert.equal(maskText('Project APOLLO is live', optionsForCategories(['custom'], [ci])).text, '[CUSTOM:proj] is live');
  });

  it('gives built-in detections priority over overlapping custom matches', () => {
    const greedy = { name: 'greedy', pattern: 'mail \\S+' };
    assert.equal(maskText('mail a@b.io', defaultMaskOptions([greedy])).text, 'mail [EMAIL]');
  });

  it('resolves overlapping custom matches: earliest, then longest', () => {
    const rules = [
      { name: 'short', pattern: 'abc' },
      { name: 'long', pattern: 'abcdef' },
      { name: 'later', pattern: 'def' },
    ];
    assert.equal(maskText('xabcdefx', optionsForCategories(['custom'], rules)).text, 'x[CUSTOM:long]x');
  });

  it('does nothing while the custom category is off', () => {
    assert.equal(maskText('EMP-123456', optionsForCategories(['email'], [emp])).text, 'EMP-123456');
  });

  it('rejects invalid rules with a clear error naming the rule', () => {
    const bad: Array<[object, RegExp]> = [
      [{ name: 'broken', pattern: 'a(b' }, /custom mask rule 'broken': invalid pattern \/a\(b\/: .*Unterminated group/],
      [{ name: 'evil', pattern: '(a+)+$' }, /repeats a group .* exponential/],
      [{ name: 'evil2', pattern: '(\\w*\\s?)*x' }, /repeats a group/],
      [{ name: 'empty', pattern: 'a*' }, /matches the empty string/],
      [{ name: 'flags', pattern: 'a', flags: 'y' }, /flags 'y' not supported/],
      [{ name: 'bad name!', pattern: 'a' }, /name must be/],
      [{ name: 'long', pattern: 'a'.repeat(CUSTOM_PATTERN_MAX_LENGTH + 1) }, /limit is 500/],
      [{ name: 'none', pattern: '' }, /pattern is empty/],
    ];
    for (const [rule, message] of bad) {
      assert.throws(() => maskText('text', defaultMaskOptions([rule as never])), (e: unknown) => e instanceof MaskRuleError && message.test(e.message), JSON.stringify(rule));
      assert.match(validateCustomRule(rule as never) ?? '', new RegExp(message.source.replace(/^custom mask rule 'broken': /, '')));
    }
    assert.throws(() => maskValue({}, defaultMaskOptions([{ name: 'x', pattern: '[' }])), MaskRuleError);
  });

  it('accepts bounded repetition of groups and reports valid rules as null', () => {
    for (const pattern of ['(ab){3}', '(\\d{3}-)+\\d', '(?:[A-Z]{2}\\d)+', 'x+y*']) {
      assert.equal(validateCustomRule({ name: 'ok', pattern }), null, pattern);
    }
  });
});
