import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The unprivileged user the adversarial suite attacks as (`nobody`). */
export const NOBODY = { uid: 65534, gid: 65534 };

export const isRoot = (): boolean => typeof process.geteuid === 'function' && process.geteuid() === 0;

/**
 * Runs as `nobody`: in a loop, at every predictable name the rotation ever used next to the log
 * (and `extra` names), and at every new name it sees appear in the directory (readdir race),
 * replaces the entry with a symlink or a hard link to `victim` (or plants one where the entry was
 * removed). Counts tries, plants and raced names.
 */
const SCRIPT = String.raw`
const fs = require('fs'), path = require('path');
const [dir, base, victim, extraJson, ignoreJson] = process.argv.slice(2);
const extra = JSON.parse(extraJson);
const ignore = JSON.parse(ignoreJson).map((s) => base + s);
const predictable = ['.tmp', '.rotate-old', '.rotate-journal.tmp', '.bak', ...extra].map((s) => base + s);
let tried = 0, planted = 0, replaced = 0, raced = 0;
function plant(name) {
  const p = path.join(dir, name);
  tried++;
  try { fs.unlinkSync(p); replaced++; } catch {}
  try { if (tried % 2) fs.symlinkSync(victim, p); else fs.linkSync(victim, p); planted++; } catch {}
}
function round() {
  for (let k = 0; k < 20; k++) {
    let names = [];
    try { names = fs.readdirSync(dir); } catch {}
    for (const n of names) if (n !== base && n.includes(base) && !predictable.includes(n) && !ignore.includes(n)) { raced++; plant(n); }
    for (const n of predictable) plant(n);
  }
  setImmediate(round);
}
process.on('SIGTERM', () => { process.stdout.write(JSON.stringify({ tried, planted, replaced, raced })); process.exit(0); });
process.stdout.write('ready\n');
round();
`;

export interface AttackCounts {
  tried: number;
  planted: number;
  replaced: number;
  raced: number;
}

export class Attacker {
  private out = '';
  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (d) => (this.out += d));
  }

  /** `extra`: more predictable suffixes to plant at; `ignore`: suffixes never touched (see the sticky-directory test). */
  static async start(root: string, dir: string, base: string, victim: string, extra: string[] = [], ignore: string[] = []): Promise<Attacker> {
    const script = join(root, 'attacker.js');
    writeFileSync(script, SCRIPT, { mode: 0o644 });
    const child = spawn(process.execPath, [script, dir, base, victim, JSON.stringify(extra), JSON.stringify(ignore)], { ...NOBODY, cwd: '/', stdio: ['ignore', 'pipe', 'inherit'] });
    const a = new Attacker(child);
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`attacker exited early (${code})`)));
      const check = () => (a.out.includes('ready') ? resolve() : setTimeout(check, 10));
      check();
    });
    child.removeAllListeners('exit');
    return a;
  }

  stop(): Promise<AttackCounts> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve(JSON.parse(this.out.replace('ready\n', '')) as AttackCounts));
      this.child.kill('SIGTERM');
    });
  }
}
