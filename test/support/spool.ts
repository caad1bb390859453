// Journal roots for tests, under .data/test-spool/<pid>-<random>: apart from
// the checkout's own .data/spool and from each other, and removed by the
// run's teardown once the process that made them is gone. Random, not a
// counter: Jest runs many test files in one worker, each with fresh modules,
// and a counter restarting at 1 handed a later file the root (and the
// leftovers) of an earlier one.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../../src/db/embedded-postgres';
import { dataDir } from '../../src/paths';

export const testSpoolRoot = path.join(dataDir, 'test-spool');
export function freshSpoolRoot(): string {
  mkdirSync(testSpoolRoot, { recursive: true });
  return mkdtempSync(path.join(testSpoolRoot, `${process.pid}-`));
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
