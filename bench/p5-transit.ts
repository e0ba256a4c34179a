/**
 * P5 Vault transit: entries per HTTP round trip when decrypting 10k envelope entries whose DEKs are
 * wrapped by a Vault transit key, through the loopback Vault double (it counts requests). Every
 * request counts, key listing included. Also the paged patterns of the viewer (200 per call) and
 * of `enclog decrypt` (64 per call by default).
 */
import { createEngine } from '../src/core/engine';
import { startVaultDouble, type VaultDouble } from '../test/support/vault-double';
import { atLeast, figure, log, round, timed, type Figure } from './lib';
import { transitEnvelopeLog } from './inputs';

const TRANSIT = 'bench';

async function vaultPost(v: VaultDouble, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${v.url}/v1/${path}`, { method: 'POST', headers: { 'X-Vault-Token': v.token, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`Vault double ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
}

async function wrapAll(v: VaultDouble, deks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < deks.length; i += 1000) {
    const batch = deks.slice(i, i + 1000).map((d) => ({ plaintext: d.toString('base64') }));
    const res = await vaultPost(v, `transit/encrypt/${TRANSIT}`, { batch_input: batch });
    const results = (res.data as { batch_results: Array<{ ciphertext: string }> }).batch_results;
    out.push(...results.map((r) => r.ciphertext));
  }
  return out;
}

async function decryptAll(v: VaultDouble, path: string, n: number, page: number): Promise<{ requests: number; ms: number; ok: number; firstError: string | null }> {
  const engine = createEngine({ keyRefs: [`vault-transit:transit/${TRANSIT}`], vault: { endpoint: v.url, token: v.token, timeoutMs: 10_000 }, poolSize: 1 });
  try {
    v.resetRequests();
    const t = await timed(async () => {
      const session = await engine.open(path);
      let ok = 0;
      let firstError: string | null = null;
      for (let at = 0; at < n; at += page) {
        for (const e of await session.decryptEntries(at, Math.min(page, n - at))) {
          if (e.status === 'ok') ok++;
          else firstError ??= e.error;
        }
      }
      return { ok, firstError };
    });
    if (process.env.P5_DEBUG) console.error(JSON.stringify(v.requests.slice(0, 30)), t.ms);
    return { requests: v.requests.length, ms: t.ms, ...t.value };
  } finally {
    await engine.dispose();
  }
}

export async function runP5(dir: string, entries: number): Promise<Figure> {
  const v = await startVaultDouble();
  try {
    await vaultPost(v, `transit/keys/${TRANSIT}`, {});
    const input = await transitEnvelopeLog(dir, 'transit-envelope.log', entries, TRANSIT, (deks) => wrapAll(v, deks));
    const whole = await decryptAll(v, input.path, entries, entries);
    const viewer = await decryptAll(v, input.path, entries, 200);
    const cli = await decryptAll(v, input.path, entries, 64);
    for (const [name, r] of Object.entries({ whole, viewer, cli })) if (r.ok !== entries) throw new Error(`P5 ${name}: ${entries - r.ok} of ${entries} entries failed, e.g. ${r.firstError}`);
    const perTrip = entries / whole.requests;
    log(`P5 ${entries} entries: ${whole.requests} round trips in one decrypt (${perTrip.toFixed(0)}/trip); viewer pages ${viewer.requests}, CLI pages ${cli.requests}`);
    return figure('P5', 'Vault transit: entries per HTTP round trip decrypting transit-wrapped envelope entries (Vault double)', [atLeast('entries_per_round_trip', perTrip, 100)], {
      entries,
      file_bytes: input.bytes,
      round_trips: whole.requests,
      decrypt_ms: round(whole.ms, 1),
      paged: {
        viewer_200_per_call: { round_trips: viewer.requests, entries_per_round_trip: round(entries / viewer.requests, 1), ms: round(viewer.ms, 1) },
        cli_64_per_call: { round_trips: cli.requests, entries_per_round_trip: round(entries / cli.requests, 1), ms: round(cli.ms, 1) },
      },
      note: 'one LogSession.decryptEntries over all entries; round trips include the key-version listing (GET transit/keys); the double answers on loopback',
    });
  } finally {
    await v.close();
  }
}
