import assert from 'node:assert/strict';
import { defaultMaskOptions, MASK_CATEGORIES, parseCategoryList, unmaskedOptions } from '../../../src/core/masking';

describe('masking options', () => {
  it('defaults to everything on, and unmasked to everything off', () => {
    assert.ok(MASK_CATEGORIES.every((c) => defaultMaskOptions().enabled[c]));
    assert.ok(MASK_CATEGORIES.every((c) => !unmaskedOptions().enabled[c]));
    assert.deepEqual(unmaskedOptions().custom, []);
  });

  it('parses CLI category lists with aliases, case and spaces', () => {
    assert.deepEqual(parseCategoryList('email,phone'), ['email', 'phone']);
    assert.deepEqual(parseCategoryList(' Phone , EMAIL,email '), ['email', 'phone']);
    assert.deepEqual(parseCategoryList('cc,ip,token,keys,credit_card'), ['credit-card', 'api-key', 'ip-address', 'sensitive-key']);
    assert.deepEqual(parseCategoryList('all'), [...MASK_CATEGORIES]);
    assert.deepEqual(parseCategoryList('none'), []);
    assert.deepEqual(parseCategoryList(''), []);
  });

  it('rejects unknown names, listing the valid ones', () => {
    assert.throws(() => parseCategoryList('email,pasport'), /unknown mask category 'pasport'; expected .*email, phone, ssn/);
  });
});
