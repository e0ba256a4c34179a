import { buildLineages, type LineageOverride } from '../core/keys/lineage';
import type { KeyVersionInfo } from '../core/model';

/** Version label -> `lineage vN, role` for rotation output, so plan and verify speak of keys and versions, not sources. */
export async function lineageNotes(versions: () => Promise<{ keys: KeyVersionInfo[] }>, overrides: LineageOverride[]): Promise<Map<string, string>> {
  const notes = new Map<string, string>();
  try {
    const { lineages } = buildLineages((await versions()).keys, overrides);
    for (const l of lineages) for (const v of l.versions) notes.set(v.info.label, `${l.name} ${v.version}, ${v.role}`);
  } catch {
    // Listing failed: the rotation output goes on with plain labels; the failure itself is reported by the command.
  }
  return notes;
}

/** `label  [kek v1, decrypt-only]`, or the label alone. */
export function withLineage(label: string, notes: ReadonlyMap<string, string>): string {
  const note = notes.get(label);
  return note ? `${label}  [${note}]` : label;
}
