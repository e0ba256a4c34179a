/** Worker-thread entry of the envelope rewrap (bundled as out/envelope-worker.js; see crypto-worker.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { EnvelopeKernel } from './envelope-kernel';
import type { KernelRequest } from './kernel-packing';

const data = workerData as { keks: Uint8Array[]; target: number };
const kernel = new EnvelopeKernel(data.keks.map((k) => Buffer.from(k)), data.target);
for (const k of data.keks) k.fill(0);

parentPort?.on('message', (m: KernelRequest | null) => {
  if (m === null) {
    kernel.dispose();
    parentPort?.close();
    return;
  }
  const r = kernel.run(m);
  parentPort?.postMessage(r, [r.buf]);
});
