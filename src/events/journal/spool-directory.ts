// Which journal directory a process writes to, under the spool root: its own,
// created at start, holding an owner file (pid, host, boot and process start
// time) whose modification time is a heartbeat. Directories whose owner is
// gone are adopted: moved, whole and atomically, into the adopter's own
// directory, so exactly one live process ever holds a directory, also on a
// volume several machines share.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { ADOPTED_PREFIX } from './adopted-directories';

const OWNER_FILE = 'owner.json';
/** An owner on another machine that has not touched its owner file for this long is gone. */
const STALE_HEARTBEAT_MS = 60_000;
export const HEARTBEAT_MS = 10_000;

interface Owner {
  pid: number;
  host: string;
  boot: string;
  /** the process's start time in clock ticks since boot (Linux), telling a reused pid apart */
  start: string | null;
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

const bootId = (readOrNull('/proc/sys/kernel/random/boot_id') ?? '').trim();

/** Field 22 of /proc/<pid>/stat; the command name before it may hold spaces and parentheses. */
function processStart(pid: number): string | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

function me(): Owner {
  return { pid: process.pid, host: hostname(), boot: bootId, start: processStart(process.pid) };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process that owns `dir` still runs (or, on another machine, still beats). */
export function ownerIsAlive(dir: string, now = Date.now()): boolean {
  const file = path.join(dir, OWNER_FILE);
  const text = readOrNull(file);
  if (text === null) return false;
  let owner: Owner;
  try {
    owner = JSON.parse(text) as Owner;
  } catch {
    return false;
  }
  if (owner.host !== hostname()) {
    try {
      return now - statSync(file).mtimeMs < STALE_HEARTBEAT_MS;
    } catch {
      return false;
    }
  }
  if (owner.boot !== bootId || !pidExists(owner.pid)) return false;
  const start = processStart(owner.pid);
  return start === null || owner.start === null || start === owner.start;
}

export class SpoolDirectoryError extends Error {}

export interface SpoolDirectory {
  /** this process's own directory */
  readonly dir: string;
  /** Moves the directories of owners that are gone into this one; returns where they now are. */
  adoptOrphans(): string[];
  /** Touches the owner file (the heartbeat other machines read). */
  beat(): void;
  /** Removes this directory: for a journal with nothing left to write (files still there are written segments being deleted). */
  release(): void;
}

const safeHost = () => hostname().replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 64) || 'host';

/**
 * Creates this process's directory under `root`: written complete under a
 * temporary name, then renamed into place, so a directory that appears under
 * the root always has its owner file.
 */
export function claimSpoolDirectory(root: string): SpoolDirectory {
  const name = `${safeHost()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const dir = path.join(root, name);
  try {
    mkdirSync(root, { recursive: true });
    const staging = path.join(root, `.new-${name}`);
    mkdirSync(staging);
    writeFileSync(path.join(staging, OWNER_FILE), JSON.stringify(me()));
    renameSync(staging, dir);
  } catch (error) {
    throw new SpoolDirectoryError(`cannot create a journal directory under ${root}: ${(error as Error).message}`);
  }
  return {
    dir,
    adoptOrphans: () => adoptOrphans(root, dir),
    beat() {
      const now = new Date();
      utimesSync(path.join(dir, OWNER_FILE), now, now);
    },
    release() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function adoptOrphans(root: string, own: string): string[] {
  const adopted: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return adopted;
  }
  for (const entry of entries) {
    const dir = path.join(root, entry);
    if (dir === own || entry.startsWith('.') || !isDirectory(dir) || ownerIsAlive(dir)) continue;
    const target = path.join(own, `${ADOPTED_PREFIX}${entry}`);
    try {
      // Atomic: of several processes adopting at once, exactly one succeeds.
      renameSync(dir, target);
    } catch {
      continue;
    }
    adopted.push(target);
  }
  // Staging directories a crash left half made hold no events; a young one may
  // be another process's, still being made.
  for (const entry of entries.filter((name) => name.startsWith('.new-'))) {
    const dir = path.join(root, entry);
    if (!ownerIsAlive(dir) && ageMs(dir) > STALE_HEARTBEAT_MS) rmSync(dir, { recursive: true, force: true });
  }
  return adopted;
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
