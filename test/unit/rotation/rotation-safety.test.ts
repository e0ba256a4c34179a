import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { completeLines } from '../../../src/core/formats/complete-lines';
import { RotationInProgressError, RotationLock } from '../../../src/core/rotation/rotation-lock';
import { createPrivate, isPrivateName, privateName } from '../../../src/core/rotation/safe-fs';
import { useTmpDir } from '../../support/tmp-dir';

describe('rotation safety parts', function () {
  this.timeout(30000);
  const dir = useTmpDir('rot-safety');

  it('completeLines: lines across 1 MiB read boundaries, CRLF split between reads, a partial last line held back', async () => {
    const p = join(dir(), 'lines.log');
    const parts = ['a'.repeat((1 << 20) - 1) + '\r', '\n', 'b'.repeat(3 << 20) + '\n', 'c\r\n', '', 'tail-without-newline'];
    writeFileSync(p, parts.join(''));
    const fh = await open(p, 'r');
    try {
      const got = [];
      for await (const l of completeLines(fh, 0, statSync(p).size)) got.push({ len: l.bytes.length, term: l.term.toString(), next: l.next, whole: l.whole.length });
      assert.deepEqual(got, [
        { len: (1 << 20) - 1, term: '\r\n', next: (1 << 20) + 1, whole: (1 << 20) + 1 },
        { len: 3 << 20, term: '\n', next: (1 << 20) + 1 + (3 << 20) + 1, whole: (3 << 20) + 1 },
        { len: 1, term: '\r\n', next: (1 << 20) + 1 + (3 << 20) + 1 + 3, whole: 3 },
      ]);
    } finally {
      await fh.close();
    }
  });

  it('private names are unguessable and recognised only in the log\'s own directory', () => {
    const log = join(dir(), 'x.log');
    const a = privateName(log, 'tmp');
    assert.notEqual(a, privateName(log, 'tmp'));
    assert.ok(isPrivateName(log, a));
    assert.ok(!isPrivateName(log, '/etc/passwd'));
    assert.ok(!isPrivateName(log, join(dir(), 'x.log.tmp')));
    assert.ok(!isPrivateName(join(dir(), 'y.log'), a));
  });

  it('createPrivate never follows or reuses a planted name', async () => {
    const target = join(dir(), 'target');
    writeFileSync(target, 'keep');
    const planted = join(dir(), 'planted');
    symlinkSync(target, planted);
    await assert.rejects(createPrivate(planted), /EEXIST/);
    const fh = await createPrivate(join(dir(), 'fresh'));
    assert.equal(statSync(join(dir(), 'fresh')).mode & 0o777, 0o600);
    await fh.close();
  });

  it('the lock: one holder among 8 racing acquirers; the others name its pid; released on release()', async () => {
    const log = join(dir(), 'locked.log');
    writeFileSync(log, '');
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => RotationLock.acquire(log)));
    const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<RotationLock>[];
    assert.equal(won.length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof RotationInProgressError && r.reason.code === 'rotation-in-progress', String(r.reason));
    await assert.rejects(RotationLock.acquire(log), new RegExp(`rotation in progress \\(pid ${process.pid}`));
    await won[0].value.assertHeld();
    await won[0].value.release();
    const again = await RotationLock.acquire(log);
    await again.release();
    assert.deepEqual(readdirSync(dir()).filter((n) => n.includes('locked.log.')), []);
  });

  it('the lock: a lock file still being filled by its holder is read again and its holder named; garbage is reported, not broken', async () => {
    const log = join(dir(), 'filling.log');
    writeFileSync(log, '');
    const lockPath = RotationLock.lockPath(log);
    writeFileSync(lockPath, '', { mode: 0o600 }); // created by O_EXCL, not yet written
    const info = { pid: process.pid, host: hostname(), start: null, at: new Date().toISOString() };
    const fill = new Promise<void>((r) => setTimeout(() => (writeFileSync(lockPath, JSON.stringify(info)), r()), 60));
    const err = await RotationLock.acquire(log).then(() => null, (e: unknown) => e);
    await fill;
    assert.ok(err instanceof RotationInProgressError, String(err));
    assert.equal(err.holder?.pid, process.pid, err.message);

    writeFileSync(lockPath, 'not a lock');
    const garbage = await RotationLock.acquire(log).then(() => null, (e: unknown) => e);
    assert.ok(garbage instanceof RotationInProgressError && garbage.holder === null, String(garbage));
    assert.match(garbage.message, /is being taken or is unreadable/);
    assert.ok(existsSync(lockPath), 'an unreadable lock is never removed');
  });

  it('the lock: a stale lock of a dead pid is broken by exactly one of several racing runs', async () => {
    const log = join(dir(), 'stale.log');
    writeFileSync(log, '');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('close', r));
    writeFileSync(RotationLock.lockPath(log), JSON.stringify({ pid: dead.pid, host: hostname(), start: null, at: 'then' }), { mode: 0o600 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => RotationLock.acquire(log)));
    const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<RotationLock>[];
    assert.equal(won.length, 1, results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'won')).join('\n'));
    await won[0].value.release();
  });

  it('the lock: a breaker killed while breaking (its mutex left behind) does not block later runs for long', async () => {
    const log = join(dir(), 'deadbreaker.log');
    writeFileSync(log, '');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('close', r));
    writeFileSync(RotationLock.lockPath(log), JSON.stringify({ pid: dead.pid, host: hostname(), start: null, at: 'then' }), { mode: 0o600 });
    const mutex = `${RotationLock.lockPath(log)}.breaking`;
    writeFileSync(mutex, '', { mode: 0o600 });
    const recent = await Promise.allSettled([RotationLock.acquire(log)]);
    assert.equal(recent[0].status, 'rejected', 'a fresh breaker mutex is respected');
    const old = new Date(Date.now() - 60_000);
    utimesSync(mutex, old, old);
    const lock = await RotationLock.acquire(log);
    assert.ok(!existsSync(mutex), 'the dead breaker mutex is gone');
    await lock.release();
  });

  it('a lock that was taken away is noticed before the switch', async () => {
    const log = join(dir(), 'lost.log');
    writeFileSync(log, '');
    const lock = await RotationLock.acquire(log);
    mkdirSync(join(dir(), 'aside'));
    renameSync(RotationLock.lockPath(log), join(dir(), 'aside', 'l'));
    writeFileSync(RotationLock.lockPath(log), '{}', { mode: 0o600 });
    await assert.rejects(lock.assertHeld(), /lost the rotation lock/);
  });
});
