// A real Citus cluster of one's own, from ../shared/citus/cluster.sh (a
// coordinator and N workers of Debian's PostgreSQL 15 with Citus) in a
// temporary directory: for the benchmarks' Citus runs, and for the tests
// that change a cluster (add a worker, rebalance) and so cannot share the
// run's. Without Citus installed, or without ../shared, those report
// themselves skipped (citusUnavailable).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CitusNode } from '../src/db/database-admin';
import { sharedPath } from './shared-dir';
import type { BenchRow } from './table';

const run = promisify(execFile);

export const CITUS_SCRIPTS = sharedPath('citus');
const CLUSTER_SH = path.join(CITUS_SCRIPTS, 'cluster.sh');
const CITUS_LIBRARY = '/usr/lib/postgresql/15/lib/citus.so';

/** Why no cluster can be started here, or null when one can. */
export function citusUnavailable(): string | null {
  if (!existsSync(CLUSTER_SH)) return `${CLUSTER_SH} not found (../shared is absent)`;
  if (!existsSync(CITUS_LIBRARY)) return `Citus is not installed (${CITUS_LIBRARY}; run ${path.join(CITUS_SCRIPTS, 'install.sh')})`;
  return null;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive free ports. LOCAL_CITUS_PORTS ("9840-9899") keeps the
 * search in a range, on machines where ranges are handed out; otherwise
 * anywhere in 20000-39999.
 */
async function freePorts(count: number): Promise<number> {
  const range = /^(\d+)-(\d+)$/.exec(process.env.LOCAL_CITUS_PORTS ?? '');
  const [low, high] = range ? [Number(range[1]), Number(range[2])] : [20_000, 39_999];
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = low + Math.floor(Math.random() * (high - low + 2 - count));
    const ports = Array.from({ length: count }, (_, index) => base + index);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports in ${low}-${high}`);
}

async function clusterSh(...args: string[]): Promise<string> {
  const { stdout } = await run(CLUSTER_SH, args, { timeout: 120_000 });
  return stdout.trim();
}

export interface CitusCluster {
  /** the coordinator's maintenance database, where its workers are registered */
  adminUrl: string;
  workers: CitusNode[];
  /** starts one more Citus node, not yet added to any database */
  startNode(): Promise<CitusNode>;
  /** stops one worker for real (pg_ctl), and starts it again: an outage of one node */
  stopWorker(worker: CitusNode): Promise<void>;
  restartWorker(worker: CitusNode): Promise<void>;
  stop(): Promise<void>;
}

const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';

/** pg_ctl on a node cluster.sh made, as the user that owns it (postgres, when we are root). */
async function pgCtl(dir: string, port: number, action: 'stop' | 'start'): Promise<void> {
  const data = path.join(dir, `node-${port}`);
  const args = action === 'stop' ? ['-D', data, '-m', 'fast', '-w', 'stop'] : ['-D', data, '-l', `${data}.log`, '-w', 'start'];
  if (process.getuid?.() === 0) await run('su', ['postgres', '-s', '/bin/sh', '-c', `${PG_CTL} ${args.map((arg) => `'${arg}'`).join(' ')}`]);
  else await run(PG_CTL, args);
}

/** Starts a coordinator and `workers` workers; stop() stops every node it started and removes their data. */
export async function startCitusCluster(workers: number): Promise<CitusCluster> {
  const dirs: string[] = [];
  const start = async (nodeWorkers: number) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'et-citus-'));
    dirs.push(dir);
    const port = await freePorts(nodeWorkers + 1);
    const url = (await clusterSh('start', dir, String(port), String(nodeWorkers))).split('\n').pop() ?? '';
    return { url, port };
  };
  const stopAll = async () => {
    for (const dir of dirs.splice(0)) {
      await clusterSh('stop', dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const { url, port } = await start(workers);
    const home = dirs[0];
    return {
      adminUrl: url,
      workers: Array.from({ length: workers }, (_, index) => ({ host: '127.0.0.1', port: port + index + 1 })),
      // cluster.sh with no workers starts a single node the way it starts
      // every node (initdb, citus preloaded, the extension created); it also
      // names the node its own coordinator, which concerns only its own
      // maintenance database.
      async startNode() {
        const { port: nodePort } = await start(0);
        return { host: '127.0.0.1', port: nodePort };
      },
      stopWorker: (worker) => pgCtl(home, worker.port, 'stop'),
      restartWorker: (worker) => pgCtl(home, worker.port, 'start'),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Runs a benchmark's Citus part on BENCH_CITUS_URL's coordinator, or on a
 * coordinator and two workers started for it and stopped after. Without
 * Citus, or when the run fails, one row says so and why: the single node's
 * rows stand.
 */
export async function onBenchCluster(label: string, work: (adminUrl: string) => Promise<BenchRow[]>): Promise<BenchRow[]> {
  const given = process.env.BENCH_CITUS_URL;
  const missing = given ? null : citusUnavailable();
  if (missing) return [{ name: label, value: 'skipped', unit: '', goal: missing }];
  let cluster: CitusCluster | null = null;
  try {
    if (!given) cluster = await startCitusCluster(2);
    return await work(given ?? (cluster as CitusCluster).adminUrl);
  } catch (error) {
    // A failed statement says which one (its first line): what an operator needs to look at.
    const statement = (error as { query?: unknown }).query;
    const where = typeof statement === 'string' ? ` in: ${statement.trim().split('\n')[0].slice(0, 120)}` : '';
    process.stderr.write(`${label}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}${where}\n`);
    return [{ name: label, value: 'failed', unit: '', goal: `${error instanceof Error ? error.message : String(error)}${where}` }];
  } finally {
    await cluster?.stop();
  }
}
