// Each test run gets its own embedded cluster under .data/test-pg/<pid>, so
// runs started side by side never stop each other's database; clusters left by
// killed runs are removed by the next run.
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../../src/db/embedded-postgres';
import { dataDir } from '../../src/paths';

export const testClustersRoot = path.join(dataDir, 'test-pg');


/** Removes a cluster directory (and, as root, the directory its data symlink points to), stopping any server in it. */
export function removeCluster(runDir: string): void {
  const data = path.join(runDir, 'pg');
  const real = existsSync(data) ? realpathSync(data) : data;
  const pidFile = path.join(real, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) process.kill(pid, 'SIGQUIT');
  }
  if (real !== data) rmSync(real, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
}

export function removeStaleClusters(): void {
  if (!existsSync(testClustersRoot)) return;
  for (const name of readdirSync(testClustersRoot)) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) removeCluster(path.join(testClustersRoot, name));
  }
}
