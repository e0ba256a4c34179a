import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp dir per test file, removed after it. */
export function useTmpDir(prefix: string): () => string {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), `enclog-${prefix}-`));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}
