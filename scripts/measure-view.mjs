// node scripts/measure-view.mjs [--entries N]   (after npm run build)
// Issue 13's viewer figures on a generated envelope log (kek-v2, 1000 distinct entries repeated):
// time to the first screen of rows (60 rows read, decrypted) without and with the masked previews,
// the background scan (sort columns, facets, histogram), sorting the whole log by latency, and one
// conversation (the hostile-content figures are in the host test's output).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const entries = Number(arg('--entries', '100000'));
const { prepareWorkspace, writeLargeEnvelopeLog } = require(join(root, 'out/test/host/workspace.js'));
const { createEngine } = require(join(root, 'out/src/core/engine.js'));
const { LogView, RowContentCache, rowOf, ViewOrder, conversationOf } = require(join(root, 'out/src/core/view/index.js'));
const { defaultMaskOptions } = require(join(root, 'out/src/core/masking/index.js'));

const dir = mkdtempSync(join(tmpdir(), 'enclog-view-measure-'));
const fx = await prepareWorkspace(dir, { symbiontEntries: 1, envelopeEntries: 2 });
const file = await writeLargeEnvelopeLog(dir, entries);
const engine = createEngine({ keyRefs: fx.keyRefs, retired: new Set() });
const mask = defaultMaskOptions();
const out = (name, value, extra = {}) => console.log(JSON.stringify({ figure: name, value, entries, ...extra }));

async function firstScreen(previews) {
  const t0 = performance.now();
  const session = await engine.open(file, { progressive: true });
  const view = new LogView(session);
  const idx = Array.from({ length: 60 }, (_, i) => i);
  const recs = await view.recordsAt(idx);
  await view.decrypt(idx, { records: recs });
  const cache = new RowContentCache();
  const rows = idx.map((i) => rowOf(view, recs.get(i), i, { mask, keyInfo: () => undefined, content: (x) => (previews ? cache.of(view.cached(x), mask) : undefined) }));
  const ms = performance.now() - t0;
  if (previews && !rows.every((r) => r.prompt)) throw new Error('rows without previews');
  return { ms, view };
}

for (let run = 0; run < 3; run++) {
  const a = await firstScreen(false);
  const b = await firstScreen(true);
  out('first screen: 60 rows decrypted, no previews (ms)', Math.round(a.ms), { run });
  out('first screen: 60 rows decrypted, masked previews (ms)', Math.round(b.ms), { run });
  a.view.dispose();
  if (run < 2) b.view.dispose();
  else {
    const view = b.view;
    await view.session.whenIndexed();
    let t = performance.now();
    const cols = await view.scan();
    out('background scan: sort columns, facets, histogram (ms)', Math.round(performance.now() - t));
    t = performance.now();
    const sorted = ViewOrder.sorted(ViewOrder.all(view.entryCount), cols, { column: 'latency', descending: true });
    out('sort the whole log by latency (ms)', Math.round(performance.now() - t), { first: sorted.indexAt(0) });
    t = performance.now();
    const c = await conversationOf(view, entries >> 1, mask, new AbortController().signal);
    out('conversation of one entry: gather + decrypt + transcript (ms)', Math.round(performance.now() - t), { members: c.entries.length, items: c.items.length });
    view.dispose();
  }
}
await engine.dispose();
rmSync(dir, { recursive: true, force: true });
