// node scripts/measure-depth.mjs [--root DIR] [--timeout-s N]   (after npm run build)
// Issue 12's depth figures, each in a child process with a time limit (the old code took minutes or
// crashed): format detection of a 200 KB line nested 40,000 deep and of a 41 KB file (one line of
// 20,500 nested arrays); masking a decrypted value nested 100,000 levels. --root points at another build (before).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const root = arg('--root', join(dirname(fileURLToPath(import.meta.url)), '..'));
const limit = Number(arg('--timeout-s', '60'));
const dir = mkdtempSync(join(tmpdir(), 'enclog-depth-'));
const TRANSIT = '"vault:v1:QUJDRA=="';

const deepLine = join(dir, 'deep-line.jsonl');
writeFileSync(deepLine, '{"a":'.repeat(40_000) + TRANSIT + '}'.repeat(40_000) + '\n');
const file41k = join(dir, 'deep-41k.jsonl');
writeFileSync(file41k, '{"x":' + '['.repeat(20_500) + TRANSIT + ']'.repeat(20_500) + '}\n');

const detect = (file) => `const {detectFileFormat}=require(${JSON.stringify(join(root, 'out/src/core/formats/detect.js'))});
const t=performance.now(); detectFileFormat(${JSON.stringify(file)}).then(d=>console.log(JSON.stringify({format:d.format,ms:performance.now()-t})));`;
const mask = `const {maskValue,defaultMaskOptions}=require(${JSON.stringify(join(root, 'out/src/core/masking/index.js'))});
const {decodePlaintext}=require(${JSON.stringify(join(root, 'out/src/core/entry-assembly.js'))});
const v=decodePlaintext(Buffer.from('['.repeat(100000)+'"a@b.io"'+']'.repeat(100000)));
const t=performance.now(); maskValue(v, defaultMaskOptions()); console.log(JSON.stringify({ms:performance.now()-t}));`;

const cases = [
  ['detect-200KB-line-40000-deep', detect(deepLine)],
  ['detect-41KB-file-one-line-20500-deep', detect(file41k)],
  ['mask-value-100000-deep', mask],
];
for (const [figure, code] of cases) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: limit * 1000 });
  const wall = (performance.now() - t0) / 1000;
  const out = r.stdout.trim().split('\n').pop();
  const result = r.error?.code === 'ETIMEDOUT' ? `killed after ${limit} s` : r.status !== 0 ? `crashed: ${(r.stderr.match(/(RangeError|Error)[^\n]*/) ?? ['exit ' + r.status])[0]}` : JSON.parse(out);
  console.log(JSON.stringify({ figure, root, wall_s: Number(wall.toFixed(2)), result }));
}
