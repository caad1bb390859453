// Helpers for the journal's crash tests: real server processes on one spool
// root, a load of pixels and clicks, a way to hold the writer back, and
// directories that look like those of a process that is gone.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { answeredGet } from './answered-get';
import { TEST_ENV } from './app';
import { freePort, spawnServer, type ServerProcess } from './processes';
import type { TestSend } from './sends';
import { getTestDatabase } from './test-database-state';

export interface RunningServerProcess {
  process: ServerProcess;
  url: string;
}

export async function startServerProcess(spoolRoot: string, env: Record<string, string> = {}): Promise<RunningServerProcess> {
  const port = await freePort();
  const process = spawnServer({
    ...TEST_ENV,
    DATABASE_URL: getTestDatabase().url,
    PORT: String(port),
    TRUST_PROXY: '1',
    LOG_LEVEL: 'info',
    EMAIL_TRACKING_SPOOL_DIR: spoolRoot,
    ...env,
  });
  await process.waitFor(/listening on/);
  return { process, url: `http://127.0.0.1:${port}` };
}

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

/**
 * `count` requests over the sends, half pixels and half clicks, each from an
 * address of its own (so every one is counted), `concurrency` at a time.
 * Returns how many of each were answered.
 */
export async function trafficTo(url: string, sends: readonly TestSend[], count: number, concurrency = 50): Promise<{ opens: number; clicks: number }> {
  const answered = { opens: 0, clicks: 0 };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const send = sends[n % sends.length];
      const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
      const isOpen = n % 2 === 0;
      const target = isOpen ? `${url}/track/open/${send.openToken}.gif` : `${url}/track/click/${send.clickTokens[0]}`;
      const status = await answeredGet(target, { 'user-agent': UA, 'x-forwarded-for': ip });
      if (isOpen && status === 200) answered.opens++;
      if (!isOpen && status === 302) answered.clicks++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answered;
}

/** Holds row locks on an organisation's sends, so every writer touching them waits. */
export async function holdSendLocks(orgId: string): Promise<() => Promise<void>> {
  const client = new Client({ connectionString: getTestDatabase().url });
  // A test that fails before it releases leaves this session to the teardown,
  // which stops the database under it: that must not crash the test runner.
  client.on('error', () => undefined);
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT id FROM sends WHERE org_id = $1 ORDER BY id FOR UPDATE', [orgId]);
  return async () => {
    await client.query('ROLLBACK');
    await client.end();
  };
}

/** What the database holds for an organisation: raw events (and distinct ids), and the counters' sums. */
export async function storedTotals(db: DataSource, orgId: string): Promise<{ events: number; ids: number; opens: number; clicks: number }> {
  const [events] = await db.query(`SELECT count(*)::int AS events, count(DISTINCT id)::int AS ids FROM tracking_events WHERE org_id = $1`, [orgId]);
  const [counters] = await db.query(`SELECT coalesce(sum(opens), 0)::int AS opens, coalesce(sum(clicks), 0)::int AS clicks FROM sends WHERE org_id = $1`, [orgId]);
  return { ...events, ...counters };
}

/** The pid of a process that has just exited: an owner that is gone. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout as unknown as number;
}

/** A directory under `root` that looks like the one a process left when it was killed, holding copies of `segments`. */
export function orphanDirectory(root: string, segments: readonly string[]): string {
  const dir = path.join(root, `${hostname()}-dead-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'owner.json'), JSON.stringify({ pid: Number(deadPid()), host: hostname(), boot: 'gone', start: null }));
  for (const file of segments) cpSync(file, path.join(dir, path.basename(file)));
  return dir;
}

/** The journal's segment files under a directory, adopted ones included. */
export function segmentFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...segmentFiles(full));
    else if (entry.name.endsWith('.seg')) found.push(full);
  }
  return found.sort();
}
