// The machine rules of contract section 4 on the real writer: BURST and TRAP
// mark a client a machine for a send, also for what it did before and
// whichever batch or instance wrote it; the cross-source rule takes a
// webhook's event back when the pixel's arrives later; people stay people.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { IpHasher, type TrackingEventInput } from '../../src/events/event';
import { writeEvents } from '../../src/events/write-events';
import { createLogger } from '../../src/logger';
import { startServer } from '../../src/server';
import { pruneRawEvents } from '../../src/retention/prune';
import { compactSendStats } from '../../src/stats/compaction';
import { startTestApp, TEST_ENV, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { eventData, jsonBody, PLATFORM_KEY, postJson } from '../support/mailgun';
import { insertSend, linkCounters, sendCounters, storedReasons, type TestSend } from '../support/sends';
import { createScratchDatabase } from '../support/scratch-database';
import { freshSpoolRoot } from '../support/spool';

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const LINKS = ['https://example.com/a', 'https://example.com/b', 'https://example.com/c'];

let t: TestApp;
let db: DataSource;
beforeAll(async () => {
  t = await startTestApp({ TRUST_PROXY: '1', MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY });
  db = t.app.db;
});
afterAll(async () => {
  await t.close();
});

const newSend = (campaignId: string | null = null) => insertSend(db, { orgId: uniqueOrg('machine'), links: LINKS, campaignId });

function hit(url: string, path: string, ip: string, ua = BROWSER) {
  return fetch(`${url}${path}`, { redirect: 'manual', headers: { 'user-agent': ua, 'x-forwarded-for': ip } }).then((r) => r.arrayBuffer());
}
const openPixel = (send: TestSend, ip: string, url = t.url, ua?: string) => hit(url, `/track/open/${send.openToken}.gif`, ip, ua);
const clickLink = (send: TestSend, position: number, ip: string, url = t.url) => hit(url, `/track/click/${send.clickTokens[position]}`, ip);
const clickTrap = (send: TestSend, ip: string) => hit(t.url, `/track/click/${send.trapToken}`, ip);
const flush = () => t.app.recorder.flush();

const hasher = new IpHasher(TEST_ENV.TRACKING_SIGNING_SECRET);
const T0 = Date.parse('2026-11-20T10:00:00Z');
const DAY = 86_400_000;

/** An event at T0 + `seconds`, as the routes would hand it to the writer. */
function event(send: TestSend, kind: 'OPEN' | 'CLICK', seconds: number, ip: string, extra: Partial<TrackingEventInput> = {}): TrackingEventInput {
  const position = extra.linkPosition ?? (kind === 'CLICK' ? 0 : null);
  return {
    orgId: send.orgId, sendId: send.sendId, kind, source: kind === 'OPEN' ? 'PIXEL' : 'REDIRECT', occurredAt: new Date(T0 + seconds * 1000),
    countable: true, bot: false, botReason: null, mpp: false, linkPosition: position, url: position === null ? null : LINKS[position],
    userAgent: BROWSER, ipHash: hasher.hash(send.sendId, ip), ...extra,
  };
}
const write = (events: TrackingEventInput[]) => db.transaction((manager) => writeEvents(manager, events, { maybeRepeated: false }));
const reasons = async (send: TestSend) => (await storedReasons(db, send)).map((row) => `${row.kind}:${row.counted ? 'counted' : (row.bot_reason ?? 'deduped')}`);

describe('BURST', () => {
  it('two links from one address within 5 s: both clicks and its open before are a machine’s, the counters follow', async () => {
    const send = await newSend();
    await openPixel(send, '192.0.2.10');
    await flush();
    expect((await sendCounters(db, send)).opens).toBe(1);
    await clickLink(send, 0, '192.0.2.10');
    await clickLink(send, 1, '192.0.2.10');
    await flush();
    expect(await reasons(send)).toEqual(['CLICK:BURST', 'CLICK:BURST', 'OPEN:BURST']);
    expect(await sendCounters(db, send)).toMatchObject({ opens: 0, clicks: 0, bot_opens: 1, bot_clicks: 2, first_opened_at: null, last_opened_at: null, last_clicked_at: null });
    expect(await linkCounters(db, send)).toEqual([
      { position: 0, clicks: 0, unique_clickers: 0 },
      { position: 1, clicks: 0, unique_clickers: 0 },
      { position: 2, clicks: 0, unique_clickers: 0 },
    ]);
  });

  it('a click counted in one batch is taken back when the second link arrives in the next, and the campaign figures go back down', async () => {
    const send = await newSend('burst-campaign');
    const viewer = await tokenFor(send.orgId, 'admin-1', 'admin');
    const stats = async () => {
      await compactSendStats(db);
      const response = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${viewer}` },
        body: JSON.stringify({ query: '{ campaign(id: "burst-campaign") { stats { clicked clicks } links { url clicks uniqueClicks } } }' }),
      });
      return ((await response.json()) as { data: { campaign: unknown } }).data.campaign;
    };
    await write([event(send, 'CLICK', 0, '192.0.2.20')]);
    expect(await stats()).toMatchObject({ stats: { clicked: 1, clicks: 1 } });
    await write([event(send, 'CLICK', 3, '192.0.2.20', { linkPosition: 1 })]);
    expect(await stats()).toEqual({
      stats: { clicked: 0, clicks: 0 },
      links: LINKS.map((url) => ({ url, clicks: 0, uniqueClicks: 0 })),
    });
  });

  it('is found across two instances, whichever wrote the first click', async () => {
    const other = createApp({ ...t.app.config, spoolDir: freshSpoolRoot() }, db, createLogger('silent'));
    const server = await startServer(other, 0, '127.0.0.1');
    try {
      const send = await newSend();
      await clickLink(send, 0, '192.0.2.30');
      await flush();
      await clickLink(send, 2, '192.0.2.30', server.url);
      await other.recorder.flush();
      expect(await reasons(send)).toEqual(['CLICK:BURST', 'CLICK:BURST']);
      expect((await sendCounters(db, send)).clicks).toBe(0);
    } finally {
      await server.close();
      await other.recorder.close();
    }
  });

  it('covers the machine’s events 60 s around its clicks, not later ones, nor other addresses', async () => {
    const send = await newSend();
    await write([event(send, 'OPEN', -59, '192.0.2.40'), event(send, 'OPEN', -70, '192.0.2.41')]);
    await write([event(send, 'CLICK', 0, '192.0.2.40'), event(send, 'CLICK', 1, '192.0.2.40', { linkPosition: 1 })]);
    await write([event(send, 'OPEN', 60, '192.0.2.40'), event(send, 'OPEN', 62, '192.0.2.40'), event(send, 'CLICK', 2, '192.0.2.42')]);
    // counted: 192.0.2.41's open, 192.0.2.40's open at +62 s, 192.0.2.42's click
    expect((await storedReasons(db, send)).filter((row) => row.counted)).toHaveLength(3);
    expect(await sendCounters(db, send)).toMatchObject({ opens: 2, clicks: 1, bot_opens: 2, bot_clicks: 2 });
  });

  it('is not one person clicking one link twice (dedupe), nor two links 30 s apart', async () => {
    const twice = await newSend();
    await write([event(twice, 'CLICK', 0, '192.0.2.50'), event(twice, 'CLICK', 2, '192.0.2.50')]);
    expect(await reasons(twice)).toEqual(['CLICK:counted', 'CLICK:deduped']);
    const apart = await newSend();
    await write([event(apart, 'CLICK', 0, '192.0.2.51')]);
    await write([event(apart, 'CLICK', 30, '192.0.2.51', { linkPosition: 1 })]);
    expect(await reasons(apart)).toEqual(['CLICK:counted', 'CLICK:counted']);
    expect(await linkCounters(db, apart)).toEqual([
      { position: 0, clicks: 1, unique_clickers: 1 },
      { position: 1, clicks: 1, unique_clickers: 1 },
      { position: 2, clicks: 0, unique_clickers: 0 },
    ]);
  });

  it('never makes an MPP open a machine’s: Apple’s proxy fetches for whoever reads', async () => {
    const send = await newSend();
    await write([event(send, 'OPEN', 0, '192.0.2.60', { mpp: true, userAgent: 'Mozilla/5.0' }), event(send, 'OPEN', 8, '192.0.2.60', { mpp: true, userAgent: 'Mozilla/5.0' })]);
    await write([event(send, 'CLICK', 10, '192.0.2.60'), event(send, 'CLICK', 11, '192.0.2.60', { linkPosition: 2 })]);
    expect(await reasons(send)).toEqual(['CLICK:BURST', 'CLICK:BURST', 'OPEN:counted', 'OPEN:counted']);
    expect(await sendCounters(db, send)).toMatchObject({ opens: 2, mpp_opens: 2, clicks: 0, bot_clicks: 2 });
  });
});

describe('TRAP', () => {
  it('the trap link redirects home and makes its client a machine: a counted open 50 s before becomes a bot event', async () => {
    const send = await newSend();
    await write([event(send, 'OPEN', -50, '192.0.2.70')]);
    await write([event(send, 'CLICK', 0, '192.0.2.70', { linkPosition: null, url: null, countable: false, bot: true, botReason: 'TRAP' })]);
    expect(await reasons(send)).toEqual(['CLICK:TRAP', 'OPEN:TRAP']);
    expect(await sendCounters(db, send)).toMatchObject({ opens: 0, bot_opens: 1, bot_clicks: 1 });
  });

  it('through the routes: answered with a redirect home, and later clicks of that client within a minute are a machine’s', async () => {
    const send = await newSend();
    const response = await fetch(`${t.url}/track/click/${send.trapToken}`, { redirect: 'manual', headers: { 'user-agent': BROWSER, 'x-forwarded-for': '192.0.2.71' } });
    expect([response.status, response.headers.get('location')]).toEqual([302, `${t.app.config.publicBaseUrl}/`]);
    await flush();
    await clickLink(send, 0, '192.0.2.71');
    await clickTrap(send, '192.0.2.72');
    await openPixel(send, '192.0.2.73');
    await flush();
    expect(await reasons(send)).toEqual(['CLICK:TRAP', 'CLICK:TRAP', 'CLICK:TRAP', 'OPEN:counted']);
    expect(await sendCounters(db, send)).toMatchObject({ opens: 1, clicks: 0, bot_clicks: 3 });
  });
});

describe('a pixel open and Mailgun’s opened for it', () => {
  const webhookOpen = (send: TestSend, seconds: number, ip: string) =>
    postJson(t.url, jsonBody(PLATFORM_KEY, eventData('opened', { sendId: send.sendId, orgId: send.orgId, ip, timestamp: seconds })));

  it('count once when the webhook is written first and the pixel a moment later', async () => {
    const send = await newSend();
    expect((await webhookOpen(send, Date.now() / 1000, '198.51.100.80')).status).toBe(200);
    expect((await sendCounters(db, send)).opens).toBe(1);
    await openPixel(send, '203.0.113.80');
    await flush();
    const sources = (await storedReasons(db, send)).map((row) => `${row.source}:${row.counted}:${row.bot}`).sort();
    expect(sources).toEqual(['PIXEL:true:false', 'WEBHOOK:false:false']);
    expect((await sendCounters(db, send)).opens).toBe(1);
  });

  it('count once when the pixel is written first, in the same second', async () => {
    const send = await newSend();
    await openPixel(send, '203.0.113.81');
    await flush();
    expect((await webhookOpen(send, Date.now() / 1000, '198.51.100.81')).status).toBe(200);
    expect((await sendCounters(db, send)).opens).toBe(1);
    const sources = (await storedReasons(db, send)).map((row) => `${row.source}:${row.counted}`).sort();
    expect(sources).toEqual(['PIXEL:true', 'WEBHOOK:false']);
  });
});

describe('machine windows', () => {
  const windows = (send: TestSend) => db.query(`SELECT reason FROM machine_clients WHERE org_id = $1 AND send_id = $2`, [send.orgId, send.sendId]);

  it('go with the raw events when the contact is erased', async () => {
    const orgId = uniqueOrg('machine-erase');
    const send = await insertSend(db, { orgId, contactId: 'erase-me', links: LINKS });
    await clickTrap(send, '192.0.2.90');
    await flush();
    expect(await windows(send)).toEqual([{ reason: 'TRAP' }]);
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(orgId, 'crm', 'service')}` },
      body: JSON.stringify({ query: 'mutation { forgetContact(contactId: "erase-me") }' }),
    });
    expect(await response.json()).toEqual({ data: { forgetContact: true } });
    expect(await windows(send)).toEqual([]);
  });

  it('are forgotten by retention once their last click is older than the cutoff', async () => {
    const scratch = await createScratchDatabase();
    try {
      const now = Date.parse('2026-06-15T00:00:00Z');
      await scratch.db.query(
        `INSERT INTO machine_clients (org_id, send_id, ip_hash, reason, first_at, last_at) VALUES
           ('o', gen_random_uuid(), '\\x01', 'BURST', $1, $1), ('o', gen_random_uuid(), '\\x02', 'TRAP', $2, $2)`,
        [new Date(now - 40 * DAY).toISOString(), new Date(now - 5 * DAY).toISOString()],
      );
      await pruneRawEvents(scratch.db, 30, new Date(now));
      expect(await scratch.db.query(`SELECT reason FROM machine_clients`)).toEqual([{ reason: 'TRAP' }]);
    } finally {
      await scratch.drop();
    }
  });
});

// The tracking benchmark measures the writer against two switches no
// deployment uses: they must do what its rows say, or the rows mislead.
describe('the benchmark’s baselines', () => {
  it('with the machine rules off, two links from one address within 5 s are both counted', async () => {
    const send = await newSend();
    await db.transaction((manager) =>
      writeEvents(manager, [event(send, 'CLICK', 0, '192.0.2.200'), event(send, 'CLICK', 1, '192.0.2.200', { linkPosition: 1, url: LINKS[1] })], {
        maybeRepeated: false,
        machineRules: false,
      }),
    );
    expect(await reasons(send)).toEqual(['CLICK:counted', 'CLICK:counted']);
    expect((await sendCounters(db, send)).clicks).toBe(2);
  });

  it('the append-only writer stores the raw events, once each, and moves nothing else', async () => {
    const send = await newSend();
    const events = [event(send, 'OPEN', 0, '192.0.2.201'), event(send, 'CLICK', 1, '192.0.2.201')].map((e) => ({ ...e, id: randomUUID() }));
    const outcome = await db.transaction((manager) => writeEvents(manager, events, { maybeRepeated: false, appendOnly: true }));
    expect(outcome.stored).toEqual([true, true]);
    const again = await db.transaction((manager) => writeEvents(manager, events, { maybeRepeated: true, appendOnly: true }));
    expect(again.stored).toEqual([false, false]);
    expect(await reasons(send)).toEqual(['CLICK:counted', 'OPEN:counted']);
    expect(await sendCounters(db, send)).toMatchObject({ opens: 0, clicks: 0, last_opened_at: null });
    expect(await linkCounters(db, send)).toEqual(expect.arrayContaining([{ position: 0, clicks: 0, unique_clickers: 0 }]));
    const [activity] = await db.query(`SELECT count(*)::int AS rows FROM send_activity WHERE org_id = $1 AND send_id = $2`, [send.orgId, send.sendId]);
    expect(activity.rows).toBe(0);
  });
});
