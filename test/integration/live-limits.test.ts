// The limits on live streams and what a stream holds: a user's sixth stream
// is refused (on any instance) and the five stay open; the server's own cap;
// a closed stream frees everything; nobody streaming, the writer does no
// fan-out work at all.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { pruneRawEvents } from '../../src/retention/prune';
import { openTestDataSource, serveApp, tokenFor, uniqueOrg, type ServedApp } from '../support/app';
import { hitPixel, openLiveStream, type LiveStream } from '../support/live-stream';
import { insertSend, storedEvents } from '../support/sends';
import { getTestDatabase } from '../support/test-database-state';
import type { DataSource } from 'typeorm';

let db: DataSource;
let a: ServedApp;
let b: ServedApp;
const streams: LiveStream[] = [];

function stream(...args: Parameters<typeof openLiveStream>): LiveStream {
  const opened = openLiveStream(...args);
  streams.push(opened);
  return opened;
}

async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not so after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const rowsOf = async (table: string, org: string) =>
  ((await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1`, [org])) as { n: number }[])[0].n;

beforeAll(async () => {
  db = await openTestDataSource(10);
  // Two instances on one database; the second holds at most three streams in all.
  a = await serveApp(db);
  b = await serveApp(db, { EMAIL_TRACKING_MAX_STREAMS: '3' });
});
afterEach(() => {
  for (const opened of streams.splice(0)) opened.close();
});
afterAll(async () => {
  await a.close();
  await b.close();
  await db.destroy();
});

describe('live stream limits', () => {
  it("refuses a user's sixth stream across instances, and keeps the five open", async () => {
    const org = uniqueOrg('limits');
    const token = await tokenFor(org, 'rep', 'sales_rep');
    const five = [a, a, a, b, b].map((served) => stream(served.url, token));
    await Promise.all(five.map((opened) => opened.connected));

    for (const served of [a, b]) {
      const sixth = stream(served.url, token);
      await sixth.ended;
      expect(sixth.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/already have 5 live streams open/), extensions: { code: 'TOO_MANY_STREAMS' } })]);
    }
    // Nothing was dropped to make room: all five still hear the rep's opens.
    const send = await insertSend(db, { orgId: org, senderId: 'rep' });
    await hitPixel(a.url, send.openToken);
    await Promise.all(five.map((opened) => opened.waitFor((event) => event.sendId === send.sendId)));

    // Closing one frees its place.
    five[0].close();
    await eventually(async () => (await rowsOf('live_streams', org)) === 4, 'the closed stream is forgotten');
    const again = stream(b.url, token);
    await again.connected;
  });

  it("refuses a stream over the server's own cap (EMAIL_TRACKING_MAX_STREAMS)", async () => {
    const tokens = await Promise.all([1, 2, 3, 4].map((n) => tokenFor(uniqueOrg('cap'), `u${n}`, 'owner')));
    const held = tokens.slice(0, 3).map((token) => stream(b.url, token));
    await Promise.all(held.map((opened) => opened.connected));
    const fourth = stream(b.url, tokens[3]);
    await fourth.ended;
    expect(fourth.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/EMAIL_TRACKING_MAX_STREAMS/), extensions: { code: 'TOO_MANY_STREAMS' } })]);
    // Another instance is not bound by it.
    await stream(a.url, tokens[3]).connected;
  });

  it('frees everything a stream held once it closes', async () => {
    const org = uniqueOrg('free');
    const token = await tokenFor(org, 'boss', 'admin');
    const opened = [stream(a.url, token), stream(a.url, token, { humanOnly: true })];
    await Promise.all(opened.map((live) => live.connected));
    expect(a.app.live.openStreams).toBe(2);
    expect(a.app.live.isListening).toBe(true);
    expect(await rowsOf('live_streams', org)).toBe(2);

    opened.forEach((live) => live.close());
    await eventually(() => a.app.live.openStreams === 0, 'no stream left on the server');
    await eventually(async () => (await rowsOf('live_streams', org)) === 0, 'no stream row left');
    expect(a.app.live.isListening).toBe(false);
    const response = await fetch(`${a.url}/metrics`);
    expect(await response.text()).toMatch(/^live_streams_open 0$/m);
  });
});

describe('with nobody streaming an organisation', () => {
  it('the writer stores no batch and sends no NOTIFY for it', async () => {
    const org = uniqueOrg('quiet');
    const listener = new Client({ connectionString: getTestDatabase().url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (message) => payloads.push(message.payload ?? ''));
    await listener.query('LISTEN tracking_activity');
    try {
      // Another organisation is streamed meanwhile: the writer's probe must tell them apart.
      const watched = uniqueOrg('watched');
      const live = stream(a.url, await tokenFor(watched, 'boss', 'owner'));
      await live.connected;
      const [quiet, loud] = await Promise.all([insertSend(db, { orgId: org }), insertSend(db, { orgId: watched })]);
      await hitPixel(a.url, quiet.openToken);
      await hitPixel(a.url, loud.openToken);
      await live.waitFor((event) => event.sendId === loud.sendId);
      await eventually(async () => (await storedEvents(db, quiet)).length === 1, 'the quiet open is stored');

      expect(await rowsOf('live_batches', org)).toBe(0);
      expect(payloads.filter((payload) => payload.includes(org))).toEqual([]);
      expect(payloads.filter((payload) => payload.includes(watched))).not.toEqual([]);
    } finally {
      await listener.end();
    }
  });
});

describe('after an instance died', () => {
  it('the hourly retention clears the stream rows and batches no heartbeat will', async () => {
    const org = uniqueOrg('leftover');
    const instance = randomUUID();
    await db.query(
      `INSERT INTO live_streams (org_id, id, user_id, instance_id, expires_at) VALUES
         ($1, $2, 'gone', $3, now() - interval '2 hours'), ($1, $4, 'here', $3, now() + interval '1 minute')`,
      [org, randomUUID(), instance, randomUUID()],
    );
    await db.query(
      `INSERT INTO live_batches (org_id, id, written_at, send_ids, occurred_ms, event_ids, reclassified) VALUES
         ($1, $2, now() - interval '2 hours', '{}', '{}', '{}', '{}'), ($1, $3, now(), '{}', '{}', '{}', '{}')`,
      [org, randomUUID(), randomUUID()],
    );
    // Another instance may hold the retention lock at this moment: then it does the same.
    await eventually(async () => (await pruneRawEvents(db, 365)).ran, 'retention ran');
    expect(await db.query(`SELECT user_id FROM live_streams WHERE org_id = $1`, [org])).toEqual([{ user_id: 'here' }]);
    expect(await rowsOf('live_batches', org)).toBe(1);
  });
});
