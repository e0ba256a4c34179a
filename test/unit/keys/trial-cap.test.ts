import assert from 'node:assert/strict';
import { sealSymbiontField } from '../../../src/core/crypto/symbiont-cipher';
import type { EncryptedField } from '../../../src/core/model';
import { KeyResolver } from '../../../src/core/keys/resolver';
import { FakeSource, spyDeriver } from './fakes';

const KEYS = ['k-oldest', 'k-older', 'k-newer', 'k-newest'];

async function field(plain: string, key: string, name: 'request_data' | 'response_data'): Promise<EncryptedField> {
  return { kind: 'symbiont', path: [name], data: await sealSymbiontField(Buffer.from(plain), Buffer.from(key), spyDeriver(), 'Argon2') };
}
const source = () => new FakeSource('env:S', KEYS.map((k, i) => ({ version: `v${i}`, kind: 'symbiont' as const, material: Buffer.from(k) })));
const outcome = (rs: Awaited<ReturnType<KeyResolver['openFields']>>): string[] => rs.map((r) => (r.ok ? r.plaintext.toString() : `!${r.reason}`));

describe('keys/resolver: Symbiont trials capped per entry', () => {
  it('garbage entries: every key for the request, then one trial for the response; reported as trial-cap', async () => {
    const fields: EncryptedField[] = [];
    const entries: number[] = [];
    for (let e = 0; e < 3; e++) {
      fields.push(await field(`q${e}`, 'lost-key', 'request_data'), await field(`r${e}`, 'lost-key', 'response_data'));
      entries.push(e, e);
    }
    const deriver = spyDeriver();
    const out = await new KeyResolver([source()], { deriver, concurrency: 1 }).openFields(fields, undefined, entries);
    assert.deepEqual(outcome(out), ['!wrong-key', '!trial-cap', '!wrong-key', '!trial-cap', '!wrong-key', '!trial-cap']);
    assert.equal(deriver.calls.length, 3 * (KEYS.length + 1), 'was 3 × 2 × 4 without the cap');
    const capped = out[1]!;
    assert.ok(!capped.ok && /cap of 5 key trials for this entry.*--max-trials/.test(capped.message), !capped.ok ? capped.message : '');
  });

  it('a good entry: the response starts with the key that opened the request (1 trial), even under concurrency', async () => {
    const fields = [await field('q', 'k-oldest', 'request_data'), await field('r', 'k-oldest', 'response_data')];
    const deriver = spyDeriver();
    const out = await new KeyResolver([source()], { deriver, concurrency: 4 }).openFields(fields, undefined, [0, 0]);
    assert.deepEqual(outcome(out), ['q', 'r']);
    assert.deepEqual(deriver.calls, ['k-newest', 'k-newer', 'k-older', 'k-oldest', 'k-oldest']);
  });

  it('an explicit cap below the key count stops early with trial-cap; a later entry still benefits from the hint', async () => {
    const fields = [await field('q0', 'k-oldest', 'request_data'), await field('q1', 'k-newest', 'request_data')];
    const deriver = spyDeriver();
    const out = await new KeyResolver([source()], { deriver, concurrency: 1, maxTrialsPerEntry: 2 }).openFields(fields, undefined, [0, 1]);
    assert.deepEqual(outcome(out), ['!trial-cap', 'q1']);
    assert.deepEqual(deriver.calls, ['k-newest', 'k-newer', 'k-newest']);
  });

  it('without entry grouping (survey: first fields only) each field has its own budget', async () => {
    const fields = [await field('q0', 'k-oldest', 'request_data'), await field('q1', 'k-oldest', 'request_data')];
    const out = await new KeyResolver([source()], { deriver: spyDeriver(), concurrency: 1 }).openFields(fields);
    assert.deepEqual(outcome(out), ['q0', 'q1']);
  });
});
