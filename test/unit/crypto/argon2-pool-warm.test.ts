import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Argon2Pool, argon2idRawSync } from '../../../src/core/crypto';

const params = { memoryKiB: 8192, iterations: 1, parallelism: 1 };
const workerScript = join(__dirname, '../../../src/core/crypto/argon2-worker.js');

describe('Argon2Pool.warm', () => {
  it('starts the workers ahead of the first job; they then serve jobs; idempotent; no-op once closed', async () => {
    const pool = new Argon2Pool(2, workerScript);
    try {
      pool.warm();
      pool.warm();
      const salts = Array.from({ length: 4 }, () => randomBytes(32));
      const keys = await Promise.all(salts.map((s) => pool.derive(Buffer.from('pw'), s, params)));
      salts.forEach((s, i) => assert.deepEqual(keys[i], argon2idRawSync(Buffer.from('pw'), s, params)));
    } finally {
      await pool.close();
    }
    pool.warm();
    await assert.rejects(pool.derive(Buffer.from('pw'), randomBytes(32), params), /closed/);
  });
});
