import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Argon2Pool, argon2idRawSync } from '../../../src/core/crypto';

const params = { memoryKiB: 8192, iterations: 1, parallelism: 1 };
const workerScript = join(__dirname, '../../../src/core/crypto/argon2-worker.js');

describe('Argon2Pool', () => {
  it('derives the same keys as the inline path, concurrently', async () => {
    const pool = new Argon2Pool(2, workerScript);
    try {
      const salts = Array.from({ length: 6 }, () => randomBytes(32));
      const keys = await Promise.all(salts.map((s) => pool.derive(Buffer.from('pw'), s, params)));
      salts.forEach((s, i) => assert.deepEqual(keys[i], argon2idRawSync(Buffer.from('pw'), s, params)));
    } finally {
      await pool.close();
    }
  });

  it('drops queued jobs when their signal aborts and keeps serving others', async () => {
    const pool = new Argon2Pool(1, workerScript);
    try {
      const ac = new AbortController();
      const slow = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
      const first = pool.derive(Buffer.from('a'), randomBytes(32), slow);
      const queued = Array.from({ length: 5 }, () => pool.derive(Buffer.from('b'), randomBytes(32), slow, ac.signal));
      ac.abort();
      for (const q of queued) await assert.rejects(q, { name: 'AbortError' });
      assert.equal(pool.pending, 0);
      assert.equal((await first).length, 32);
      assert.equal((await pool.derive(Buffer.from('c'), randomBytes(32), params)).length, 32);
    } finally {
      await pool.close();
    }
  });

  it('keeps a second job waiting in each worker; an aborted posted job rejects at once and the others still get their own keys', async () => {
    const pool = new Argon2Pool(1, workerScript);
    try {
      const ac = new AbortController();
      const salts = [randomBytes(32), randomBytes(32), randomBytes(32)];
      const first = pool.derive(Buffer.from('a'), salts[0], params);
      const second = pool.derive(Buffer.from('b'), salts[1], params, ac.signal); // posted behind the first
      const third = pool.derive(Buffer.from('c'), salts[2], params);
      assert.equal(pool.pending, 1); // two posted to the one worker, one queued
      ac.abort();
      await assert.rejects(second, { name: 'AbortError' });
      assert.deepEqual(await first, argon2idRawSync(Buffer.from('a'), salts[0], params));
      assert.deepEqual(await third, argon2idRawSync(Buffer.from('c'), salts[2], params));
    } finally {
      await pool.close();
    }
  });

  it('close settles the jobs the workers hold (no promise left hanging)', async () => {
    const pool = new Argon2Pool(1, workerScript);
    const slow = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
    const held = [pool.derive(Buffer.from('a'), randomBytes(32), slow), pool.derive(Buffer.from('b'), randomBytes(32), slow)];
    await pool.close();
    for (const h of held) await assert.rejects(h, /closed/);
  });

  it('rejects after close', async () => {
    const pool = new Argon2Pool(1, workerScript);
    await pool.close();
    await assert.rejects(pool.derive(Buffer.from('x'), randomBytes(32), params), /closed/);
  });
});
