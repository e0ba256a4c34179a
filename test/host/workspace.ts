/**
 * Builds a workspace with small, real encrypted logs and file key sources, for the host tests, the
 * browser e2e tier and `npm run demo`. Pure Node (no 'vscode'): runs in the runner before
 * code-server starts. CLI: `node out/test/host/prepare-workspace.js DIR [--entries N]`.
 *
 * Contents (paths relative to DIR):
 *   keys/symbiont-2024.key, keys/symbiont-2025.key   Symbiont key strings (rotated mid-file), 0600
 *   keys/kek-v1.key, keys/kek-v2.key                  envelope KEKs `<id>:<base64>`, 0600
 *   logs/model_io.encrypted.log                       Symbiont log: old key, then new key, UPDATE
 *                                                     lines, one corrupt line, one entry under a key
 *                                                     nobody configured (wrong-key)
 *   logs/envelope.encrypted.log                       envelope log: kek-v1 then kek-v2, one unknown
 *                                                     key_id (no-key), one tampered value
 *   .vscode/settings.json                             encryptedLogs.keySources = the four key files
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inlineDeriver, sealEnvelope, sealSymbiontField } from '../../src/core/crypto';
import type { EnvelopeValue } from '../../src/core/model';

export interface FixtureWorkspace {
  dir: string;
  symbiontLog: string;
  envelopeLog: string;
  keyRefs: string[];
  /** Expected facts the tests assert on. */
  expect: {
    symbiont: { entries: number; failures: number; updateLines: number };
    envelope: { entries: number; failures: number };
    /** A word that occurs in exactly `searchHits` envelope entries' decrypted prompts. */
    searchWord: string;
    envelopeSearchHits: number;
    /** An e-mail address present in every decrypted prompt (masked as an e-mail by default). */
    email: string;
    /** A 64-bit integer in every tool call's arguments (entries 1, 5, 9, ...), as its writer put it: beyond 2^53. */
    u64: string;
  };
}

const AGENTS = ['7d3c1f8e-1111-4a5b-9c0d-000000000001', '7d3c1f8e-2222-4a5b-9c0d-000000000002'];
const MODELS = ['gpt-4o-mini', 'claude-3-5-sonnet', 'llama-3.1-70b'];
const TYPES = ['Completion', 'ToolCall', 'RagQuery', 'AgentExecution'];
const EMAIL = 'alice.jones@example.com';
const WORD = 'quarterly';

function writeSecret(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

const U64 = '12345678901234567';
const U64_MARK = '__u64__';

/** Plaintext bytes as serde_json writes them: a u64 keeps its digits (JSON.stringify of a double could not). */
function plaintextOf(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v).replace(`"${U64_MARK}"`, U64), 'utf8');
}

function requestFor(i: number, withWord: boolean): Record<string, unknown> {
  const tool = i % 4 === 1;
  return {
    prompt: `Entry ${i}: summarise the ${withWord ? `${WORD} ` : ''}report for ${EMAIL}, call me at 555-867-5309`,
    tool_name: tool ? 'search_documents' : null,
    tool_arguments: tool ? { query: `report ${i}`, limit: 5, account_id: U64_MARK, api_key: 'sk-test-1234567890abcdefghij' } : null,
    parameters: { temperature: 0.2, max_tokens: 512 },
  };
}

function responseFor(i: number): Record<string, unknown> {
  return {
    content: `Summary ${i}: revenue grew; contact ${EMAIL} for details.`,
    tool_result: i % 4 === 1 ? { hits: [{ doc: `doc-${i}.pdf`, score: 0.91 }] } : null,
    confidence: 0.87,
    metadata: { finish_reason: 'stop' },
  };
}

function baseEntry(i: number, t0: number): Record<string, unknown> {
  return {
    id: randomUUID(),
    agent_id: AGENTS[i % AGENTS.length],
    interaction_type: TYPES[i % TYPES.length],
    timestamp: new Date(t0 + i * 37_000).toISOString(),
    latency_ms: 120 + ((i * 53) % 900),
    model_identifier: MODELS[i % MODELS.length],
    metadata: { session: `s-${Math.floor(i / 5)}`, env: 'staging' },
    error: null,
    token_usage: { input_tokens: 100 + i, output_tokens: 40 + (i % 17), total_tokens: 140 + i + (i % 17) },
  };
}

/**
 * A big envelope log for the performance checks: a block of 1000 real entries (kek-v2) repeated
 * until `entries` lines are written, streamed so memory stays flat. Returns the path.
 */
export async function writeLargeEnvelopeLog(dir: string, entries: number): Promise<string> {
  const keyLine = fs.readFileSync(path.join(dir, 'keys', 'kek-v2.key'), 'utf8').trim();
  const kek = Buffer.from(keyLine.slice(keyLine.indexOf(':') + 1), 'base64');
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const block: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const e = baseEntry(i, t0);
    e.request_data = sealEnvelope(plaintextOf(requestFor(i, i % 5 === 0)), kek, 'kek-v2');
    e.response_data = sealEnvelope(Buffer.from(JSON.stringify(responseFor(i))), kek, 'kek-v2');
    block.push(JSON.stringify(e));
  }
  const file = path.join(dir, 'logs', `large-${entries}.encrypted.log`);
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    const chunk = block.join('\n') + '\n';
    let written = 0;
    while (written + 1000 <= entries) {
      fs.writeSync(fd, chunk);
      written += 1000;
    }
    if (written < entries) fs.writeSync(fd, block.slice(0, entries - written).join('\n') + '\n');
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

export async function prepareWorkspace(dir: string, opts: { symbiontEntries?: number; envelopeEntries?: number } = {}): Promise<FixtureWorkspace> {
  const nSym = opts.symbiontEntries ?? 12;
  const nEnv = opts.envelopeEntries ?? 40;
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const keysDir = path.join(dir, 'keys');
  const symOld = randomBytes(32).toString('base64');
  const symNew = randomBytes(32).toString('base64');
  const symStranger = randomBytes(32).toString('base64');
  const kek1 = randomBytes(32);
  const kek2 = randomBytes(32);
  const kek0 = randomBytes(32);
  writeSecret(path.join(keysDir, 'symbiont-2024.key'), symOld + '\n');
  writeSecret(path.join(keysDir, 'symbiont-2025.key'), symNew + '\n');
  writeSecret(path.join(keysDir, 'kek-v1.key'), `kek-v1:${kek1.toString('base64')}\n`);
  writeSecret(path.join(keysDir, 'kek-v2.key'), `kek-v2:${kek2.toString('base64')}\n`);
  const keyRefs = ['symbiont-2024.key', 'symbiont-2025.key', 'kek-v1.key', 'kek-v2.key'].map((f) => `file:${path.join(keysDir, f)}`);

  const deriver = inlineDeriver();
  const t0 = Date.parse('2025-03-01T09:00:00Z');

  // --- Symbiont log ---
  const symLines: string[] = [];
  let symFailures = 0;
  let updates = 0;
  for (let i = 0; i < nSym; i++) {
    const e = baseEntry(i, t0);
    const stranger = i === nSym - 2;
    const key = stranger ? symStranger : i < nSym / 2 ? symOld : symNew;
    // Mostly the older, cheaper kdf label; two entries use the current one.
    const kdf = i === 1 || i === nSym - 1 ? 'Argon2id-m65536-t3-p1' : 'Argon2';
    const secret = Buffer.from(key, 'utf8');
    e.request_data = await sealSymbiontField(plaintextOf(requestFor(i, i % 3 === 0)), secret, deriver, kdf);
    if (stranger) symFailures++;
    if (i % 3 === 2) {
      // request first, response later as an UPDATE line (how log_request/log_response write)
      e.response_data = null;
      e.latency_ms = 0;
      symLines.push(JSON.stringify(e));
      const upd = {
        id: e.id,
        response_data: await sealSymbiontField(Buffer.from(JSON.stringify(responseFor(i))), secret, deriver, kdf),
        latency_ms: 321,
        token_usage: e.token_usage,
        error: null,
        updated_at: new Date(t0 + i * 37_000 + 321).toISOString(),
      };
      symLines.push('UPDATE: ' + JSON.stringify(upd));
      updates++;
    } else {
      e.response_data = await sealSymbiontField(Buffer.from(JSON.stringify(responseFor(i))), secret, deriver, kdf);
      if (i === 4) e.error = 'upstream timeout after 30s (retried)';
      symLines.push(JSON.stringify(e));
    }
    if (i === Math.floor(nSym / 2)) {
      symLines.push('{"id":"broken-line","agent_id":'); // a corrupt (truncated) line
      symFailures++;
    }
  }
  const symbiontLog = path.join(dir, 'logs', 'model_io.encrypted.log');
  fs.writeFileSync(symbiontLog, symLines.join('\n') + '\n', { mode: 0o600 });

  // --- Envelope log ---
  const envLines: string[] = [];
  let envFailures = 0;
  let hits = 0;
  for (let i = 0; i < nEnv; i++) {
    const e = baseEntry(i, t0 + 86_400_000);
    let kek = i < nEnv / 2 ? kek1 : kek2;
    let kid = i < nEnv / 2 ? 'kek-v1' : 'kek-v2';
    if (i === 7) {
      kek = kek0;
      kid = 'kek-v0';
      envFailures++;
    }
    const withWord = i % 5 === 0;
    const req: EnvelopeValue = sealEnvelope(plaintextOf(requestFor(i, withWord)), kek, kid);
    if (withWord && i !== 7 && i !== 11) hits++;
    const resp: EnvelopeValue = sealEnvelope(Buffer.from(JSON.stringify(responseFor(i))), kek, kid);
    if (i === 11) {
      // tampered: flip one byte of the data ciphertext (the DEK still unwraps)
      const ct = Buffer.from(req.ciphertext, 'base64');
      ct[0] = (ct[0] ?? 0) ^ 0xff;
      req.ciphertext = ct.toString('base64');
      envFailures++;
    }
    e.request_data = req;
    e.response_data = resp;
    envLines.push(JSON.stringify(e));
  }
  const envelopeLog = path.join(dir, 'logs', 'envelope.encrypted.log');
  fs.writeFileSync(envelopeLog, envLines.join('\n') + '\n', { mode: 0o600 });

  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'encryptedLogs.keySources': keyRefs }, null, 2));
  const ws: FixtureWorkspace = {
    dir,
    symbiontLog,
    envelopeLog,
    keyRefs,
    expect: {
      symbiont: { entries: nSym + 1, failures: symFailures, updateLines: updates },
      envelope: { entries: nEnv, failures: envFailures },
      searchWord: WORD,
      envelopeSearchHits: hits,
      email: EMAIL,
      u64: U64,
    },
  };
  fs.writeFileSync(path.join(dir, '.fixture.json'), JSON.stringify(ws, null, 2));
  return ws;
}
