import assert from 'node:assert/strict';
import { inlineDeriver } from '../../src/core/crypto/argon2';
import { LogFile } from '../../src/core/formats/log-file';
import { KeyResolver } from '../../src/core/keys/resolver';
import { createKeySources } from '../../src/core/keys/sources';

export interface EntryContent {
  id: string;
  text: string;
  key: string;
}

/** id, request plaintext and key label of every entry; throws on any entry that does not open. */
export async function logContents(path: string, refs: string[]): Promise<EntryContent[]> {
  const resolver = new KeyResolver(createKeySources(refs), { deriver: inlineDeriver() });
  const file = await LogFile.open(path);
  const out: EntryContent[] = [];
  try {
    for await (const r of file.iterateRecords()) {
      const [res] = await resolver.openFields(r.fields.slice(0, 1));
      assert.ok(res?.ok, `${path}: entry ${r.index} (${r.id}) does not open: ${res && !res.ok ? res.message : 'no field'}`);
      out.push({ id: r.id as string, text: res.plaintext.toString(), key: res.key.label });
    }
  } finally {
    await file.close();
  }
  return out;
}
