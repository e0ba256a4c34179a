import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { runCli } from '../support/run-cli';
import { useTmpDir } from '../support/tmp-dir';

/** A FIFO, a directory, a socket or a device given as FILE: a clear error at once, never a hang. */
describe('special files are refused by decrypt, inspect, plan, verify and reencrypt', function () {
  this.timeout(60000);
  const dir = useTmpDir('special');
  const files: Record<string, [string, RegExp]> = {};
  let server: Server;
  let key: string;

  before(async () => {
    const fifo = join(dir(), 'pipe.log');
    execFileSync('mkfifo', [fifo]);
    const d = join(dir(), 'dir.log');
    mkdirSync(d);
    const sock = join(dir(), 'sock.log');
    server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    files.fifo = [fifo, /pipe\.log is a FIFO \(named pipe\), not a regular file/];
    files.directory = [d, /dir\.log is a directory, not a regular file/];
    files.socket = [sock, /sock\.log is a socket, not a regular file/];
    files.device = ['/dev/zero', /\/dev\/zero is a character device, not a regular file/];
    key = join(dir(), 'k.key');
    writeFileSync(key, `kek-v1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  for (const kind of ['fifo', 'directory', 'socket', 'device']) {
    for (const cmd of ['decrypt', 'inspect', 'plan', 'verify', 'reencrypt']) {
      it(`${cmd} ${kind}: exit 2 with "not a regular file", within seconds`, async () => {
        const [path, message] = files[kind];
        const ref = `file:${key}`;
        const args = cmd === 'reencrypt' ? [cmd, path, '--to', ref] : cmd === 'verify' ? [cmd, path, '--primary', ref] : [cmd, path, '--key', ref];
        const run = await runCli(args, { timeoutMs: 10000 });
        assert.match(run.stdout + run.stderr, message);
        assert.equal(run.code, 2, run.stdout + run.stderr);
      });
    }
  }
});
