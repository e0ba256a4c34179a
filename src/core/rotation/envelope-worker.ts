/** Worker-thread entry of the envelope rewrap (bundled as out/envelope-worker.js; see crypto-worker.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { runBatch, type BatchReply, type BatchRequest, type BatchSpec } from './batch-work';
import { EnvelopeKernel } from './envelope-kernel';

const data = workerData as { keks: Uint8Array[]; spec: BatchSpec };
const kernel = new EnvelopeKernel(data.keks.map((k) => Buffer.from(k)), data.spec.target);
for (const k of data.keks) k.fill(0);

parentPort?.on('message', (m: BatchRequest | null) => {
  if (m === null) {
    kernel.dispose();
    parentPort?.close();
    return;
  }
  let r: BatchReply;
  try {
    r = runBatch(kernel, data.spec, m);
  } catch (err) {
    r = { id: m.id, done: false, reason: 'the worker failed', error: (err as Error).message };
  }
  parentPort?.postMessage(r, r.done ? [r.digests, ...(r.out ? [r.out] : [])] : []);
});
