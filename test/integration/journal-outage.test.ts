// The database stays down while a million events arrive: the journal holds
// them on disk, memory stays bounded, and every one is written, once, when
// PostgreSQL is back.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createDataSource, migrate } from '../../src/db/data-source';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { TEST_ENV, uniqueOrg } from '../support/app';
import { storedTotals } from '../support/journal';
import { freePort, projectRoot } from '../support/processes';
import { insertSend } from '../support/sends';
import { freshSpoolRoot } from '../support/spool';

const EVENTS = Number(process.env.JOURNAL_OUTAGE_EVENTS ?? 1_000_000);

it('holds 1,000,000 events through an outage in under 250 MB of RSS, then writes each once', async () => {
  const root = path.join(projectRoot, '.data', `test-journal-outage-${process.pid}`);
  const port = await freePort();
  const start = () => startEmbeddedPostgres({ dir: path.join(root, 'pg'), port, database: 'journal_outage', durable: false });
  let embedded = await start();
  const db = createDataSource({ url: embedded.url, poolSize: 2 });
  await db.initialize();
  await migrate(db);
  const orgId = uniqueOrg('flood');
  const sendIds: string[] = [];
  for (let i = 0; i < 200; i++) sendIds.push((await insertSend(db, { orgId, links: ['https://example.com/flood?utm_source=test'] })).sendId);

  const child = spawn(process.execPath, [...(process.env.FLOOD_NODE_ARGS ?? '').split(' ').filter(Boolean), 'dist/bench/journal-flood.js'], {
    cwd: projectRoot,
    env: { ...process.env, ...TEST_ENV, DATABASE_URL: embedded.url, EMAIL_TRACKING_SPOOL_DIR: freshSpoolRoot(), FLOOD_EVENTS: String(EVENTS), FLOOD_ORG: orgId, FLOOD_SENDS: sendIds.join(',') },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const reply = (word: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const listen = (line: string) => {
        if (!line.startsWith(`${word} `)) return;
        lines.off('line', listen);
        resolve(JSON.parse(line.slice(word.length + 1)) as Record<string, unknown>);
      };
      lines.on('line', listen);
    });
  try {
    const ready = await reply('READY');
    process.stdout.write(`journal outage: ready ${JSON.stringify(ready)}\n`);
    await embedded.stop();
    child.stdin.write('GO\n');
    const recorded = await reply('RECORDED');
    process.stdout.write(`journal outage: recorded ${JSON.stringify(recorded)}\n`);
    expect(recorded).toMatchObject({ recorded: EVENTS, waiting: EVENTS });
    expect(recorded.peakRssMb as number).toBeLessThan(250);

    embedded = await start();
    child.stdin.write('DRAIN\n');
    const done = await reply('DONE');
    expect(done.waiting).toBe(0);
    expect(done.peakRssMb as number).toBeLessThan(250);
    await db.destroy().catch(() => undefined);
    const after = createDataSource({ url: embedded.url, poolSize: 1 });
    await after.initialize();
    expect(await storedTotals(after, orgId)).toEqual({ events: EVENTS, ids: EVENTS, opens: EVENTS / 2, clicks: EVENTS / 2 });
    await after.destroy();
    process.stdout.write(`journal outage: recorded ${JSON.stringify(recorded)}, done ${JSON.stringify(done)}\n`);
  } finally {
    child.kill('SIGKILL');
    await embedded.stop();
    rmSync(root, { recursive: true, force: true });
  }
}, 600_000);
