import { closeSync, openSync, writeSync } from 'node:fs';
import { sealEnvelope } from '../../src/core/crypto/envelope-cipher';

/**
 * An envelope log of three entries whose middle one carries a `metadata.blob` of `mb` MiB on one
 * line (written in pieces: no string of that size is built here). Returns the entry ids.
 */
export function writeHugeLineLog(path: string, kek: { id: string; key: Buffer }, mb: number): string[] {
  const fd = openSync(path, 'w', 0o600);
  const ids = ['small-1', 'huge', 'small-2'];
  try {
    for (const id of ids) {
      const head = JSON.stringify({ id, agent_id: 'a', interaction_type: 'Completion', timestamp: '2026-01-01T00:00:00Z', latency_ms: 1, model_identifier: 'm', request_data: sealEnvelope(Buffer.from(`secret of ${id}`), kek.key, kek.id), response_data: null, error: null, token_usage: null });
      if (id !== 'huge') {
        writeSync(fd, head + '\n');
        continue;
      }
      writeSync(fd, head.slice(0, -1) + ',"metadata":{"blob":"');
      const piece = Buffer.alloc(1 << 20, 'x');
      for (let i = 0; i < mb; i++) writeSync(fd, piece);
      writeSync(fd, '"}}\n');
    }
  } finally {
    closeSync(fd);
  }
  return ids;
}
