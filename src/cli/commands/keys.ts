import type { KeyLineage } from '../../core/keys/lineage';
import type { KeyVersionMeta } from '../../core/keys/metadata';
import type { Engine } from '../../core/engine';
import { UsageError } from '../args';
import { withEngine } from '../context';
import type { Output } from '../output';

export const KEYS_USAGE = 'enclog keys list [--key REF]... [--metadata-only] [--json]';

export function keysCommand(argv: string[], out: Output): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list') throw new UsageError(`unknown keys subcommand ${sub ?? '(none)'}; usage: ${KEYS_USAGE}`);
  return withEngine(rest, { booleans: ['metadata-only'] }, out, async (engine, args) => {
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    if (args.flags.has('metadata-only')) return listMetadata(engine, args.flags.has('json'), out);
    const { lineages, warnings, errors } = await engine.lineages();
    if (args.flags.has('json')) {
      await out.json({
        lineages: lineages.map(lineageJson),
        keys: lineages.flatMap((l) => l.versions.map((v) => v.info)),
        warnings,
        errors: errors.map((e) => ({ ref: e.ref, code: e.code, message: e.message })),
      });
    } else {
      for (const l of lineages) for (const line of lineageLines(l)) await out.line(line);
      for (const w of warnings) out.warn(`warning: ${w}`);
      for (const e of errors) out.warn(`error: ${e.message}`);
      if (lineages.length === 0 && errors.length === 0) out.warn('no key sources configured: pass --key REF or add {"keys": [...]} to .enclog.json');
    }
    return errors.length > 0 ? 3 : 0;
  });
}

function lineageJson(l: KeyLineage): object {
  return {
    name: l.name,
    kind: l.kind,
    rule: l.rule,
    primary: l.primary ?? null,
    // A pin is the directory's word (the CLI's overrides come from .enclog.json only): it orders what is read,
    // it never chooses a rotation's target (reencrypt --to, rotate --source do).
    pinnedBy: l.pinned ? PIN_SOURCE : null,
    warnings: l.warnings,
    versions: l.versions.map((v) => ({
      version: v.version,
      role: v.role,
      label: v.info.label,
      source: v.info.sourceRef,
      keyId: v.info.keyId ?? null,
      createdTime: v.info.createdTime ?? null,
    })),
  };
}

const PIN_SOURCE = '.enclog.json';

const RULE_TEXT: Record<KeyLineage['rule'], string> = {
  override: 'as configured in "lineages"',
  'key-id': 'by key id',
  name: 'by source name',
  source: 'versions of one source',
  single: 'one version',
};

/** `kek (kek, by key id)` then one line per version, newest first: `  v2  primary  kek-v2.key  created …`. */
function lineageLines(l: KeyLineage): string[] {
  const lines = [`${l.name}\t(${l.kind}, ${RULE_TEXT[l.rule]})`];
  for (const v of [...l.versions].reverse()) {
    const id = v.info.keyId && v.info.keyId !== v.version ? ` (${v.info.keyId})` : '';
    const role = v.role === 'primary' && l.pinned ? `primary (pinned by ${PIN_SOURCE})` : v.role;
    lines.push(`  ${v.version}\t${role}\t${v.info.label}${id}${v.info.createdTime ? `\tcreated ${v.info.createdTime}` : ''}`);
  }
  for (const w of l.warnings) lines.push(`  warning: ${w}`);
  return lines;
}

/**
 * `--metadata-only`: versions, roles (within each source) and ages without reading key material where the
 * source allows; kinds and KEK ids only where the source records them apart from the value (transit).
 */
async function listMetadata(engine: Engine, json: boolean, out: Output): Promise<number> {
  const { keys, errors } = await engine.metadata();
  if (json) {
    await out.json({
      keys: keys.map((k) => ({
        label: k.label,
        source: k.sourceRef,
        version: k.version,
        role: k.role,
        kind: k.kind ?? null,
        keyId: k.keyId ?? null,
        createdTime: k.createdTime ?? null,
        modifiedTime: k.modifiedTime ?? null,
        unusable: k.unusable ?? null,
      })),
      errors: errors.map((e) => ({ ref: e.ref, code: e.code, message: e.message })),
    });
  } else {
    // Sources in configured order, each newest first.
    const sources = [...new Set(keys.map((k) => k.sourceRef))];
    for (const ref of sources) for (const k of keys.filter((x) => x.sourceRef === ref).reverse()) await out.line(metaLine(k));
    for (const e of errors) out.warn(`error: ${e.message}`);
    if (keys.length === 0 && errors.length === 0) out.warn('no key sources configured: pass --key REF or add {"keys": [...]} to .enclog.json');
  }
  return errors.length > 0 ? 3 : 0;
}

/** `vault-kv:secret/k@v2  primary  created …` (kind only when known without the value). */
function metaLine(k: KeyVersionMeta): string {
  const age = k.createdTime ? `created ${k.createdTime}` : k.modifiedTime ? `file modified ${k.modifiedTime}` : 'created unknown';
  return [k.label, k.role, k.kind, age, k.unusable].filter(Boolean).join('\t');
}
