import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectFileFormat, detectFormat } from '../../../src/core/formats/detect';
import { createLocalTransit } from '../../fixtures/local-transit';
import { generateEnvelopeLog, generateSymbiontLog, generateTransitJsonl } from '../../fixtures/generate';
import { useTmpDir } from '../../support/tmp-dir';

const sym = { ciphertext: 'AA==', nonce: 'AA==', salt: 'AA==', algorithm: 'AES-256-GCM', kdf: 'Argon2' };
const env = { version: 1, alg: 'AES-256-GCM', key_id: 'kek-v1', dek_wrapped: 'AA==', nonce: 'AA==', ciphertext: 'AA==' };

describe('detectFormat', () => {
  const dir = useTmpDir('detect');

  it('recognises generated files of each format by content, whatever their name', async () => {
    const s = await generateSymbiontLog(dir(), { entries: 3, fileName: 'a.jsonl' });
    const e = await generateEnvelopeLog(dir(), { entries: 5, bad: true, fileName: 'b.log' });
    const lt = createLocalTransit(1);
    const t = await generateTransitJsonl(dir(), { entries: 8, encrypt: (p) => lt.encrypt(p), fileName: 'model_io.encrypted.log' });
    assert.equal((await detectFileFormat(s.path)).format, 'symbiont');
    assert.equal((await detectFileFormat(e.path)).format, 'envelope');
    assert.equal((await detectFileFormat(t.path)).format, 'transit-jsonl');
  });

  it('takes UPDATE lines alone as Symbiont', () => {
    assert.equal(detectFormat(['UPDATE: {"id":"x","response_data":null}']).format, 'symbiont');
  });

  it('prefers envelope when dek_wrapped is a vault:vN: string (vault-transit key id)', () => {
    const v = { ...env, key_id: 'vault-transit:logs', dek_wrapped: 'vault:v3:QUJD' };
    assert.equal(detectFormat([JSON.stringify({ id: 'a', request_data: v, response_data: null })]).format, 'envelope');
  });

  it('finds transit values nested anywhere', () => {
    assert.equal(detectFormat(['{"a":[{"b":"vault:v12:QUJDRA=="}]}']).format, 'transit-jsonl');
  });

  it('skips blank and bad lines and lets the majority decide', () => {
    const lines = ['', 'garbage', JSON.stringify({ id: 'a', request_data: sym }), JSON.stringify({ id: 'b', request_data: env }), JSON.stringify({ id: 'c', request_data: env })];
    const d = detectFormat(lines);
    assert.equal(d.format, 'envelope');
    assert.equal(d.sampled, 4);
  });

  it('uses the file name only to break a tie', () => {
    const lines = [JSON.stringify({ request_data: sym }), JSON.stringify({ request_data: env })];
    assert.equal(detectFormat(lines, '/x/model_io.encrypted.log').format, 'symbiont');
    assert.equal(detectFormat(lines, '/x/app.envelope.log').format, 'envelope');
  });

  it('says why junk is unknown', async () => {
    assert.match(detectFormat(['hello', 'world']).reason, /none of the first 2 non-empty lines is a JSON object/);
    const plain = detectFormat(['{"a":1}', '{"msg":"vault:v1:not base64!"}']);
    assert.equal(plain.format, 'unknown');
    assert.match(plain.reason, /no encrypted values/);
    assert.match(detectFormat([]).reason, /empty/);
    const p = join(dir(), 'partial.log');
    writeFileSync(p, '{"request_data":');
    assert.match((await detectFileFormat(p)).reason, /no complete line/);
    writeFileSync(p, Buffer.from([0, 1, 2, 10, 0xff, 0xfe, 10]));
    assert.equal((await detectFileFormat(p)).format, 'unknown');
  });
});
