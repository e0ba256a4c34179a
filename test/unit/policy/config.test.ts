import assert from 'node:assert/strict';
import { compileGlobs, DEFAULT_POLICY, globToRegExp, parsePolicy, PolicyConfigError } from '../../../src/core/policy';

describe('policy config', () => {
  it('defaults: 90 days, no volume trigger, AES-256-GCM, Argon2 floor m=19456 t=2 p=1, no protected paths', () => {
    const p = parsePolicy(undefined);
    assert.equal(p.rotationIntervalDays, 90);
    assert.deepEqual(p.volumeTrigger, {});
    assert.equal(p.requiredAlgorithm, 'AES-256-GCM');
    assert.deepEqual(p.minArgon2, { m: 19456, t: 2, p: 1 });
    assert.deepEqual(p.encryptedOnlyPaths, []);
    p.minArgon2.m = 1;
    assert.equal(DEFAULT_POLICY.minArgon2.m, 19456, 'defaults are not shared mutable state');
  });

  it('reads every setting; volume in entries, bytes or GB; 0 turns a trigger off', () => {
    const p = parsePolicy({ rotationIntervalDays: 30, volumeTrigger: { entries: 10, gb: 0.5 }, requiredAlgorithm: ' AES-256-GCM ', minArgon2: { m: 65536 }, encryptedOnlyPaths: ['logs/**', ' '], sampleLines: 10 });
    assert.equal(p.rotationIntervalDays, 30);
    assert.deepEqual(p.volumeTrigger, { entries: 10, bytes: 512 * 1024 ** 2 });
    assert.deepEqual(p.minArgon2, { m: 65536, t: 2, p: 1 });
    assert.deepEqual(p.encryptedOnlyPaths, ['logs/**']);
    assert.equal(p.sampleLines, 10);
    assert.deepEqual(parsePolicy({ volumeTrigger: { entries: 0, bytes: 0 } }).volumeTrigger, {});
  });

  it('rejects typos and bad values with a message naming the setting', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ rotationInterval: 30 }, /unknown setting "rotationInterval"/],
      [{ rotationIntervalDays: -1 }, /rotationIntervalDays must be a number >= 0/],
      [{ volumeTrigger: { entries: 1.5 } }, /entries must be a whole number/],
      [{ volumeTrigger: { bytes: 1, gb: 1 } }, /bytes or gb, not both/],
      [{ minArgon2: { memory: 1 } }, /unknown key "memory"/],
      [{ encryptedOnlyPaths: 'logs/**' }, /array of globs/],
      [{ requiredAlgorithm: '' }, /non-empty/],
      [[], /must be an object/],
    ];
    for (const [raw, re] of bad) assert.throws(() => parsePolicy(raw, 'x.policy'), (e: Error) => e instanceof PolicyConfigError && re.test(e.message) && e.message.startsWith('x.policy'));
  });

  it('globs: **, *, ?, {a,b}; no slash = any depth; directories cover their contents', () => {
    const m = compileGlobs(['logs/**', '*.jsonl', 'var/{a,b}/?.log', 'secure/']);
    assert.ok(m('logs/x.log'));
    assert.ok(m('logs/deep/er/x.log'));
    assert.ok(m('app/out/chat.jsonl'));
    assert.ok(m('var/a/1.log'));
    assert.ok(m('var/b/2.log'));
    assert.ok(m('secure/inner/file'));
    assert.ok(!m('var/c/1.log'));
    assert.ok(!m('var/a/12.log'));
    assert.ok(!m('other/logs/x.log'), 'a pattern with a slash is anchored at the base');
    assert.ok(!m('chat.jsonl.bak'));
    assert.ok(globToRegExp('**/tmp/*.log').test('a/b/tmp/x.log'));
    assert.ok(globToRegExp('**/tmp/*.log').test('tmp/x.log'));
    assert.ok(!compileGlobs([])('anything'));
  });
});
