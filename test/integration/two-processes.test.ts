// Two server processes behind one load balancer, on one database, behave as one.
import { TEST_ENV, openTestDataSource, uniqueOrg } from '../support/app';
import { freePort, spawnServer, type ServerProcess } from '../support/processes';
import { insertSend, sendCounters, storedEvents } from '../support/sends';
import { getTestDatabase } from '../support/test-database-state';
import type { DataSource } from 'typeorm';

let db: DataSource;
const servers: { process: ServerProcess; url: string }[] = [];

beforeAll(async () => {
  db = await openTestDataSource();
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const process = spawnServer({ ...TEST_ENV, DATABASE_URL: getTestDatabase().url, PORT: String(port), TRUST_PROXY: '1', LOG_LEVEL: 'warn' });
    servers.push({ process, url: `http://127.0.0.1:${port}` });
  }
  await Promise.all(servers.map(async ({ url, process }) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await fetch(`${url}/healthz`).then(() => true, () => false)) return;
      if (process.child.exitCode !== null) throw new Error(process.output());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`server did not start: ${process.output()}`);
  }));
}, 60_000);

afterAll(async () => {
  for (const { process } of servers) if (process.child.exitCode === null) process.child.kill('SIGTERM');
  await Promise.all(servers.map(({ process }) => process.exited));
  await db.destroy();
});

describe('two server processes on one database', () => {
  it('count identical concurrent opens and clicks once, and flush them on SIGTERM', async () => {
    const send = await insertSend(db, { orgId: uniqueOrg(), links: ['https://example.com/two'] });
    const headers = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0', 'x-forwarded-for': '192.0.2.200' };
    const requests = servers.flatMap(({ url }) =>
      Array.from({ length: 10 }, () => [
        fetch(`${url}/track/open/${send.openToken}.gif`, { headers }),
        fetch(`${url}/track/click/${send.clickTokens[0]}`, { headers, redirect: 'manual' }),
      ]).flat(),
    );
    const statuses = (await Promise.all(requests)).map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(20).fill(200), ...Array(20).fill(302)]);

    // Graceful shutdown writes whatever is still buffered.
    for (const { process } of servers) process.child.kill('SIGTERM');
    expect(await Promise.all(servers.map(({ process }) => process.exited))).toEqual([0, 0]);
    const counters = await sendCounters(db, send);
    expect([counters.opens, counters.clicks]).toEqual([1, 1]);
    expect(await storedEvents(db, send)).toHaveLength(40);
  });
});
