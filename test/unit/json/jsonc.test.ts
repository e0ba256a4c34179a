import assert from 'node:assert/strict';
import { parseJsonc } from '../../../src/core/json/jsonc';

describe('parseJsonc (VS Code settings files)', () => {
  it('comments and trailing commas, not inside strings', () => {
    const text = `{
      // a line comment with "quotes" and a , comma
      "encryptedLogs.vault.address": "https://vault.example:8200/*not a comment*/", /* block */
      "a": [1, 2, ],
      "b": { "x": "//kept", "y": "a\\\\", },
    }`;
    assert.deepEqual(parseJsonc(text), {
      'encryptedLogs.vault.address': 'https://vault.example:8200/*not a comment*/',
      a: [1, 2],
      b: { x: '//kept', y: 'a\\' },
    });
  });

  it('a comma that is not trailing stays; invalid JSON throws', () => {
    assert.deepEqual(parseJsonc('[1 , /* c */ 2]'), [1, 2]);
    assert.throws(() => parseJsonc('{"a": }'));
    assert.throws(() => parseJsonc('{"a": "unterminated'));
    for (const bad of ['{,}', '[,]', '[1,,]', '{"a":1,,}']) assert.throws(() => parseJsonc(bad), `${bad}: only a trailing comma after a value is blanked`);
  });

  // A quadratic pass would run for hours on these (mocha's timeout stops it).
  it('hostile input: 100k trailing commas, a 5 MB unterminated comment', () => {
    assert.equal((parseJsonc(`[${'[1,],'.repeat(100_000)}[1]]`) as unknown[]).length, 100_001);
    assert.throws(() => parseJsonc(`{"a": 1 /*${'x'.repeat(5_000_000)}`));
  });
});
