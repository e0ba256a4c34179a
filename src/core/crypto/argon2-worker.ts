import { parentPort } from 'node:worker_threads';
import { argon2idRawSync, type Argon2Params } from './argon2';

interface DeriveRequest {
  id: number;
  password: Uint8Array;
  salt: Uint8Array;
  params: Argon2Params;
}

parentPort?.on('message', (req: DeriveRequest) => {
  try {
    const derived = argon2idRawSync(req.password, req.salt, req.params);
    req.password.fill(0);
    // The native module's buffer is external memory: Node 24 refuses to transfer it. Copy into a
    // plain ArrayBuffer (transferable everywhere) and wipe the original.
    const key = new Uint8Array(derived);
    derived.fill(0);
    parentPort?.postMessage({ id: req.id, key }, [key.buffer]);
  } catch (err) {
    parentPort?.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
