// The embedded default survives what users do to it: clean restarts, a crashed
// run's orphaned server, a stale postmaster.pid.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { isAlive, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres';
import { freePort, projectRoot } from '../support/processes';

const root = path.join(projectRoot, '.data', `test-embedded-${process.pid}`);
const dir = path.join(root, 'pg');

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}


function postmasterPid(dataDir: string): number {
  return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** Adds o+x to every ancestor of `dir` that lacks it; returns what to restore. */
function openAncestorsToOthers(dir: string): { dir: string; mode: number }[] {
  const changed: { dir: string; mode: number }[] = [];
  for (let current = dir; ; current = path.dirname(current)) {
    const mode = statSync(current).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      changed.push({ dir: current, mode });
      chmodSync(current, mode | 0o001);
    }
    if (path.dirname(current) === current) return changed;
  }
}

let port: number;
const start = (): Promise<EmbeddedPostgres> => startEmbeddedPostgres({ dir, port, database: 'app', durable: false });

beforeAll(async () => {
  port = await freePort();
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('embedded PostgreSQL', () => {
  it('keeps its data across a clean stop and start', async () => {
    const first = await start();
    await query(first.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
    await first.stop();
    const second = await start();
    expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }]);
    await second.stop();
  });

  it('starts despite a stale postmaster.pid', async () => {
    const db = await start();
    const dataDir = db.dataDir;
    await db.stop();
    // a pid that cannot be running: the server died without cleaning up
    writeFileSync(path.join(dataDir, 'postmaster.pid'), `999999\n${dataDir}\n0\n${port}\n`);
    const again = await start();
    expect(await query(again.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    await again.stop();
  });

  it('adopts the server a crashed run left behind, then stops it cleanly', async () => {
    const script = `
      require('reflect-metadata');
      require('./src/db/embedded-postgres')
        .startEmbeddedPostgres({ dir: ${JSON.stringify(dir)}, port: ${port}, database: 'app', durable: false })
        .then(() => process.stdout.write('ready\\n'));`;
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.includes('ready') && resolve()));
    const dataDir = (await start().then(async (probe) => {
      // shares the running server while its owner lives: stop() must not touch it
      await probe.stop();
      return probe.dataDir;
    }));
    const orphan = postmasterPid(dataDir);
    expect(isAlive(orphan)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(isAlive(orphan)).toBe(true); // the crash left the server running

    const adopted = await start();
    expect(postmasterPid(dataDir)).toBe(orphan);
    expect(await query(adopted.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    await adopted.stop();
    expect(isAlive(orphan)).toBe(false);
  });

  it('never runs the server as root (as root it runs as the postgres system user)', async () => {
    const db = await start();
    try {
      const status = readFileSync(`/proc/${postmasterPid(db.dataDir)}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      expect(uid).not.toBe(0);
      if (process.getuid?.() !== 0) expect(uid).toBe(process.getuid?.());
    } finally {
      await db.stop();
    }
  });

  it('starts as an ordinary user too (as root, the test runs it as nobody)', async () => {
    const asRoot = process.getuid?.() === 0;
    const home = mkdtempSync(path.join(os.tmpdir(), 'et-user-'));
    // nobody must reach the checkout to load the code: a clone under a private
    // (0700) directory gets o+x on its ancestors for the test, then its modes back.
    const opened = asRoot ? openAncestorsToOthers(projectRoot) : [];
    try {
      if (asRoot) chownSync(home, Number(spawnSync('id', ['-u', 'nobody']).stdout), Number(spawnSync('id', ['-g', 'nobody']).stdout));
      const script = `require('reflect-metadata');
        require(${JSON.stringify(path.join(projectRoot, 'src/db/embedded-postgres'))})
          .startEmbeddedPostgres({ dir: ${JSON.stringify(path.join(home, 'pg'))}, port: ${await freePort()}, database: 'app', durable: false })
          .then(async (db) => { const { Client } = require('pg'); const c = new Client({ connectionString: db.url }); await c.connect();
                               const r = await c.query('SELECT current_user AS u'); await c.end(); await db.stop(); process.stdout.write('user=' + r.rows[0].u + '\\n'); });`;
      const command = asRoot ? 'runuser' : process.execPath;
      const args = ['-r', 'ts-node/register/transpile-only', '-e', script];
      const result = spawnSync(command, asRoot ? ['-u', 'nobody', '--', process.execPath, ...args] : args, {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, HOME: home },
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('user=postgres');
    } finally {
      for (const { dir, mode } of opened) chmodSync(dir, mode);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
