// The client backfill (contract section 13, docs/breakdowns.md "The
// migration"): counted events stored before the writer parsed clients get
// their client from their retained raw event, once, and the per-send client
// counters end up exactly what the writer would have made. Real pixel and
// redirect requests make the events; the state before parsing existed is
// made by taking the clients away again.
import { runClientBackfill, queueClientBackfill } from '../../src/events/client-backfill';
import { addClientBreakdownFigures } from '../../src/rollups/client-breakdown-deltas';
import { moveSends } from '../../src/rollups/move-sends';
import { breakdownSums } from '../../src/stats/breakdown.repository';
import { rolledUpBreakdownSums } from '../../src/stats/breakdown-rollups.repository';
import { startTestApp, uniqueOrg, type TestApp } from '../support/app';
import { TRACKING_ORIGIN } from '../support/instrument';
import { sendTrackedEmail, type TrackedEmail } from '../support/privacy';

const APPLE_MAIL = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const APPLE_PROXY = 'Mozilla/5.0';
const SCANNER = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';

let t: TestApp;
const org = uniqueOrg('client-backfill');
const sends: TrackedEmail[] = [];

function hit(path: string, ip: string, userAgent: string): Promise<ArrayBuffer> {
  return fetch(`${t.url}${path}`, { redirect: 'manual', headers: { 'user-agent': userAgent, 'x-forwarded-for': ip } }).then((r) => r.arrayBuffer());
}

async function counters() {
  return t.app.db.query(
    `SELECT send_id, client, device, opens, clicks, mpp_opens FROM send_clients
     WHERE org_id = $1 AND (opens, clicks, mpp_opens) <> (0, 0, 0) ORDER BY 1, 2, 3`,
    [org],
  );
}

/** The same figures counted over the raw events by the client stored on each. */
async function countedOverRaw() {
  return t.app.db.query(
    `SELECT send_id, client, device, (count(*) FILTER (WHERE kind = 'OPEN'))::int AS opens, (count(*) FILTER (WHERE kind = 'CLICK'))::int AS clicks,
            (count(*) FILTER (WHERE kind = 'OPEN' AND mpp))::int AS mpp_opens
     FROM tracking_events WHERE org_id = $1 AND counted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [org],
  );
}

/** The organisation as migration 1765150000000 finds it: events without clients, no client rows, queued. */
async function asBeforeParsing(): Promise<void> {
  await t.app.db.query(`UPDATE tracking_events SET client = NULL, device = NULL WHERE org_id = $1`, [org]);
  // The client rows leave the organisation's breakdown rollups with them, as if never written.
  await addClientBreakdownFigures(t.app.db.manager, org, sends.map((send) => send.sendId), -1);
  await t.app.db.query(`DELETE FROM send_clients WHERE org_id = $1`, [org]);
  await t.app.db.query(`DELETE FROM client_backfill WHERE org_id = $1`, [org]);
  await queueClientBackfill(t.app.db);
}

const unparsed = async () =>
  Number((await t.app.db.query(`SELECT count(*) AS n FROM tracking_events WHERE org_id = $1 AND counted AND client IS NULL`, [org]))[0].n);

let written: unknown[];

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, TRUST_PROXY: '1' });
  for (let i = 0; i < 4; i++) sends.push(await sendTrackedEmail(t, org, { campaignId: 'backfill' }));
  // Sent 10 days ago: the organisation's breakdowns read that day from rollups, not from the sends.
  await moveSends(t.app.db, org, sends.map((send) => send.sendId), { sentAt: new Date(Date.now() - 10 * 86_400_000) });
  await hit(`/track/open/${sends[0].openToken}.gif`, '192.0.2.1', APPLE_MAIL);
  await hit(`/track/open/${sends[1].openToken}.gif`, '17.58.0.1', APPLE_PROXY);
  await hit(`/track/click/${sends[1].clickTokens[0]}`, '192.0.2.2', CHROME);
  await hit(`/track/open/${sends[2].openToken}.gif`, '192.0.2.3', CHROME);
  await hit(`/track/open/${sends[3].openToken}.gif`, '192.0.2.4', SCANNER);
  await t.app.recorder.flush();
  // One event at a time with microseconds, as a webhook's can be: the cursor and the UPDATE must find it again.
  // (Computed in a SELECT: Citus refuses a STABLE function of a column in an UPDATE.)
  const [moved] = await t.app.db.query(
    `SELECT id, (occurred_at + interval '123 microseconds')::text AS at FROM tracking_events WHERE org_id = $1 AND send_id = $2`,
    [org, sends[2].sendId],
  );
  await t.app.db.query(`UPDATE tracking_events SET occurred_at = $4::timestamptz WHERE org_id = $1 AND send_id = $2 AND id = $3`, [
    org,
    sends[2].sendId,
    moved.id,
    moved.at,
  ]);
  written = await counters();
});
afterAll(async () => {
  await t.close();
});

it('gives every counted event stored without a client the client the writer would have given it, and counts it once', async () => {
  expect(written.length).toBe(4); // Apple Mail, Apple's proxy, Chrome's click, Chrome's open; the scanner counts nowhere
  await asBeforeParsing();
  expect(await counters()).toEqual([]);
  expect(await unparsed()).toBe(4);

  const progress = await runClientBackfill(t.app.db, { limit: 1 });
  expect(progress.finished).toBeGreaterThanOrEqual(1);
  expect(await counters()).toEqual(written);
  expect(await countedOverRaw()).toEqual(written);
  expect(await unparsed()).toBe(0);
  // The organisation's client and device rollups gained what the backfill counted.
  const range = { from: new Date(Date.now() - 30 * 86_400_000), to: new Date() };
  for (const by of ['EMAIL_CLIENT', 'DEVICE'] as const) {
    const raw = await breakdownSums(t.app.db, { orgId: org, senderId: null }, 'all', range, by, [''], 100);
    expect(raw.length).toBeGreaterThan(0);
    expect(await rolledUpBreakdownSums(t.app.db, { orgId: org, senderId: null }, range, by, 100)).toEqual(raw);
  }
  // The machine's event is not counted anywhere and keeps no client.
  const [machine] = await t.app.db.query(`SELECT client FROM tracking_events WHERE org_id = $1 AND send_id = $2`, [org, sends[3].sendId]);
  expect(machine.client).toBeNull();
  // Finished: running again does nothing.
  expect(await runClientBackfill(t.app.db)).toEqual({ batches: 0, finished: 0 });
  expect(await counters()).toEqual(written);
});

it('resumes from its cursor after a stop, and two runs at once count nothing twice', async () => {
  await asBeforeParsing();
  await runClientBackfill(t.app.db, { limit: 1, maxBatches: 1 });
  expect(await unparsed()).toBe(3);
  const [cursor] = await t.app.db.query(`SELECT after_send_id, finished_at FROM client_backfill WHERE org_id = $1`, [org]);
  expect(cursor.after_send_id).not.toBeNull();
  expect(cursor.finished_at).toBeNull();

  await Promise.all([runClientBackfill(t.app.db, { limit: 1 }), runClientBackfill(t.app.db, { limit: 1 })]);
  expect(await unparsed()).toBe(0);
  expect(await counters()).toEqual(written);
});

it('never counts again what another run already stored, whatever its cursor says', async () => {
  await asBeforeParsing();
  await runClientBackfill(t.app.db);
  // A cursor put back to the start (a restored backup, a second queueing) finds nothing left without a client.
  await t.app.db.query(`UPDATE client_backfill SET after_send_id = NULL, after_occurred_at = NULL, after_id = NULL, finished_at = NULL WHERE org_id = $1`, [org]);
  await runClientBackfill(t.app.db);
  expect(await counters()).toEqual(written);
});
