// Journal roots for tests, under .data/test-spool/<pid>-<n>: apart from the
// checkout's own .data/spool and from each other, and removed by the run's
// teardown once the process that made them is gone.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../../src/db/embedded-postgres';
import { dataDir } from '../../src/paths';

export const testSpoolRoot = path.join(dataDir, 'test-spool');
let made = 0;

export function freshSpoolRoot(): string {
  const root = path.join(testSpoolRoot, `${process.pid}-${++made}`);
  mkdirSync(root, { recursive: true });
  return root;
}

/** Removes the roots of test processes that are gone. */
export function removeStaleSpoolRoots(): void {
  let entries: string[];
  try {
    entries = readdirSync(testSpoolRoot);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(entry.split('-')[0]);
    if (!Number.isInteger(pid) || !isAlive(pid)) rmSync(path.join(testSpoolRoot, entry), { recursive: true, force: true });
  }
}
