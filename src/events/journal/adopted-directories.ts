// Directories adopted from processes that are gone are removed once none of
// their segments is still being written; whatever else they hold (the old
// owner file) goes with them.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

export const ADOPTED_PREFIX = 'adopted-';

/** Removes the adopted directories directly under `own` that hold none of `tracked`. */
export function removeEmptyAdoptedDirectories(own: string, tracked: readonly (string | null)[]): void {
  let entries: string[];
  try {
    entries = readdirSync(own).filter((entry) => entry.startsWith(ADOPTED_PREFIX));
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = path.join(own, entry) + path.sep;
    if (tracked.some((file) => file !== null && file.startsWith(dir))) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}
