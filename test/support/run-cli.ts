import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ENCLOG_BIN = join(__dirname, '../../../bin/enclog.js');

/** Rotation's state file of the CLI under test: never the user's own, unless a test names one. */
const ISOLATED_STATE_DIR = mkdtempSync(join(tmpdir(), 'enclog-state-'));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `enclog` binary with plain node, as a user would; bounded in time. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENCLOG_BIN, ...args], { cwd: opts.cwd, env: { ...process.env, ENCLOG_STATE_DIR: ISOLATED_STATE_DIR, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`enclog ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}
