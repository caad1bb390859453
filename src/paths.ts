// Where the project lives on disk, whether running from src/ (ts-node, jest)
// or from dist/src/ (npm start); `.data/` holds everything local and unversioned.
import { existsSync } from 'node:fs';
import path from 'node:path';

function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot(__dirname);
export const dataDir = path.join(projectRoot, '.data');
