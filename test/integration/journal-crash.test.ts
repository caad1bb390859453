// Answered means recorded: real server processes killed (SIGKILL) and stopped
// (SIGTERM) with events still unwritten, and the next process on the same
// spool root writes every one of them exactly once.
import { readdirSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { openTestDataSource, uniqueOrg } from '../support/app';
import { holdSendLocks, startServerProcess, storedTotals, trafficTo, type RunningServerProcess } from '../support/journal';
import { eventually } from '../support/outage';
import { insertSend, type TestSend } from '../support/sends';
import { freshSpoolRoot } from '../support/spool';

let db: DataSource;
const started: RunningServerProcess[] = [];

beforeAll(async () => {
  db = await openTestDataSource();
});
afterAll(async () => {
  for (const { process } of started) if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
  await db.destroy();
});

async function serverOn(root: string): Promise<RunningServerProcess> {
  const server = await startServerProcess(root);
  started.push(server);
  return server;
}

async function sendsOf(orgId: string, count: number): Promise<TestSend[]> {
  const sends: TestSend[] = [];
  for (let i = 0; i < count; i++) sends.push(await insertSend(db, { orgId, links: [`https://example.com/${i}`] }));
  return sends;
}

/** The events of the organisation all written, and then nothing more for a moment (no late double). */
async function settled(orgId: string, expected: number) {
  await eventually(async () => (await storedTotals(db, orgId)).events >= expected, 45_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return storedTotals(db, orgId);
}

describe('a killed server', () => {
  it('loses no answered event: the next process adopts its journal and writes each once', async () => {
    const orgId = uniqueOrg('kill');
    const sends = await sendsOf(orgId, 20);
    const root = freshSpoolRoot();
    const first = await serverOn(root);
    // The database is slow for these sends: nothing the first process answers gets written.
    const release = await holdSendLocks(orgId);
    const answered = await trafficTo(first.url, sends, 2_000);
    first.process.child.kill('SIGKILL');
    await first.process.exited;
    await release();
    expect(answered).toEqual({ opens: 1_000, clicks: 1_000 });
    expect((await storedTotals(db, orgId)).events).toBe(0);

    const second = await serverOn(root);
    const totals = await settled(orgId, 2_000);
    expect(totals).toEqual({ events: 2_000, ids: 2_000, opens: 1_000, clicks: 1_000 });
    expect(second.process.output()).toMatch(/adopted the directory of a process that is gone.*"events":2000|"events":2000.*adopted the directory/);
  });
});

describe('a stopped server', () => {
  it('ends within 10 s on SIGTERM with the database stuck, leaving the rest to the next start', async () => {
    const orgId = uniqueOrg('term');
    const sends = await sendsOf(orgId, 20);
    const root = freshSpoolRoot();
    const first = await serverOn(root);
    const release = await holdSendLocks(orgId);
    const answered = await trafficTo(first.url, sends, 1_000);
    const stopAt = Date.now();
    first.process.child.kill('SIGTERM');
    expect(await first.process.exited).toBe(0);
    // The contract's bound, with room for the process's own exit.
    expect(Date.now() - stopAt).toBeLessThan(10_500);
    expect(first.process.output()).toContain('events left in the journal for the next start');
    await release();

    await serverOn(root);
    expect(await settled(orgId, 1_000)).toEqual({ events: 1_000, ids: 1_000, opens: answered.opens, clicks: answered.clicks });
  });

  it('writes everything on SIGTERM when the database answers, and leaves an empty spool root', async () => {
    const orgId = uniqueOrg('term-ok');
    const sends = await sendsOf(orgId, 5);
    const root = freshSpoolRoot();
    const server = await serverOn(root);
    const answered = await trafficTo(server.url, sends, 500);
    server.process.child.kill('SIGTERM');
    expect(await server.process.exited).toBe(0);
    expect(await storedTotals(db, orgId)).toEqual({ events: 500, ids: 500, ...answered });
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('two live servers on one spool root', () => {
  it('each takes a directory of its own and neither adopts the other', async () => {
    const orgId = uniqueOrg('pair');
    const sends = await sendsOf(orgId, 10);
    const root = freshSpoolRoot();
    const [a, b] = [await serverOn(root), await serverOn(root)];
    expect(readdirSync(root)).toHaveLength(2);
    const [fromA, fromB] = await Promise.all([trafficTo(a.url, sends, 400), trafficTo(b.url, sends.slice().reverse(), 400)]);
    await eventually(async () => (await storedTotals(db, orgId)).events === 800);
    for (const server of [a, b]) expect(server.process.output()).not.toContain('adopted the directory');
    for (const server of [a, b]) server.process.child.kill('SIGTERM');
    expect(await Promise.all([a.process.exited, b.process.exited])).toEqual([0, 0]);
    expect(await storedTotals(db, orgId)).toEqual({ events: 800, ids: 800, opens: fromA.opens + fromB.opens, clicks: fromA.clicks + fromB.clicks });
    expect(readdirSync(root)).toEqual([]);
  });
});
