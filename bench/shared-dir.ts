// ../shared, the folder beside the checkout that holds what the benchmarks
// read in place (real user agents, the Citus scripts), found from the
// sources (bench/) and from the compiled benchmarks (dist/bench/) alike.
import { existsSync } from 'node:fs';
import path from 'node:path';

const candidates = [path.resolve(__dirname, '../../shared'), path.resolve(__dirname, '../../../shared')];

/** The path of `relative` under ../shared, whether or not it exists. */
export function sharedPath(relative: string): string {
  const found = candidates.find((dir) => existsSync(path.join(dir, relative)));
  return path.join(found ?? candidates[0], relative);
}
