/** Small envelope logs written entry by entry for the view tests, and a LogView over them. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sealEnvelope } from '../../../src/core/crypto';
import { createEngine, type Engine } from '../../../src/core/engine';
import { LogView } from '../../../src/core/view';

export const U64 = '12345678901234567';

export interface TestEntry {
  request?: unknown;
  response?: unknown;
  agent?: string;
  time?: string | null;
  latency?: number | null;
  tokens?: [number, number] | null;
  metadata?: Record<string, string>;
  /** A top-level field added to the record (e.g. trace_id). */
  extra?: Record<string, unknown>;
  keyId?: string;
  /** The plaintext `error` of the record. */
  error?: string | null;
  /** Written as a truncated (corrupt) line. */
  corrupt?: boolean;
}

export interface TestLog {
  dir: string;
  path: string;
  keyRef: string;
  engine: Engine;
  open(onChange?: (r: string) => void): Promise<LogView>;
  cleanup(): Promise<void>;
}

export async function writeTestLog(entries: TestEntry[]): Promise<TestLog> {
  const dir = mkdtempSync(join(tmpdir(), 'enclog-view-'));
  const kek = randomBytes(32);
  const keyFile = join(dir, 'kek-v1.key');
  writeFileSync(keyFile, `kek-v1:${kek.toString('base64')}\n`);
  chmodSync(keyFile, 0o600);
  const lines = entries.map((e, i) => {
    // a writer's u64 keeps its digits: "__u64__" in a test value becomes 12345678901234567 in the plaintext
    const text = (v: unknown) => Buffer.from(JSON.stringify(v).replace('"__u64__"', U64));
    const seal = (v: unknown) => (e.keyId && e.keyId !== 'kek-v1' ? sealEnvelope(text(v), randomBytes(32), e.keyId) : sealEnvelope(text(v), kek, 'kek-v1'));
    const line = JSON.stringify({
      id: `id-${i}`,
      agent_id: e.agent ?? 'agent-1',
      interaction_type: 'Completion',
      timestamp: e.time === undefined ? new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString() : e.time,
      latency_ms: e.latency === undefined ? 100 + i : e.latency,
      model_identifier: 'gpt-test',
      metadata: e.metadata ?? {},
      error: e.error ?? null,
      token_usage: e.tokens === null ? null : { input_tokens: e.tokens?.[0] ?? 10, output_tokens: e.tokens?.[1] ?? 5, total_tokens: (e.tokens?.[0] ?? 10) + (e.tokens?.[1] ?? 5) },
      request_data: seal(e.request ?? { prompt: `prompt ${i}` }),
      response_data: e.response === null ? null : seal(e.response ?? { content: `answer ${i}` }),
      ...(e.extra ?? {}),
    });
    return e.corrupt ? line.slice(0, Math.floor(line.length / 2)) : line;
  });
  const path = join(dir, 'test.encrypted.log');
  writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
  const keyRef = `file:${keyFile}`;
  const engine = createEngine({ keyRefs: [keyRef], retired: new Set(), poolSize: 1 });
  const views: LogView[] = [];
  return {
    dir,
    path,
    keyRef,
    engine,
    async open(onChange) {
      const v = new LogView(await engine.open(path), onChange);
      views.push(v);
      return v;
    },
    async cleanup() {
      for (const v of views) v.dispose();
      await engine.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
