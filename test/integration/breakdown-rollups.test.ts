// The organisation-wide (and one sender's) breakdowns by each dimension,
// read from rollups (src/stats/breakdown-rollups.repository.ts), equal the
// raw aggregate over the sends (breakdown.repository.ts), row for
// row, for ranges cutting days and months at both ends: with the deltas
// pending and after compaction, after a BURST flip takes counted events
// back, after erasure, after pruning the raw events, and after moves of
// sends. Emails are instrumented through the API and read through the real
// routes; sends are moved into the past with `moveSends`, the one way to.
import { OverviewBreakdownDocument, type BreakdownDimension } from '../generated/graphql';
import { moveSends } from '../../src/rollups/move-sends';
import { breakdownSums } from '../../src/stats/breakdown.repository';
import { rolledUpBreakdownSums } from '../../src/stats/breakdown-rollups.repository';
import { BREAKDOWN_DIMENSIONS } from '../../src/stats/breakdowns';
import { compactSendStats } from '../../src/stats/compaction';
import type { StatsRange } from '../../src/stats/range';
import type { StatsScope } from '../../src/stats/stats.repository';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { TRACKING_ORIGIN } from '../support/instrument';
import { forget, sendTrackedEmail, type TrackedEmail } from '../support/privacy';

const DAY_MS = 86_400_000;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const APPLE_PROXY = 'Mozilla/5.0';

let t: TestApp;
const org = uniqueOrg('breakdown-rollups');
const now = Date.now();
const sends: TrackedEmail[] = [];
const DIMENSIONS = BREAKDOWN_DIMENSIONS;
const SCOPES: StatsScope[] = [
  { orgId: org, senderId: null },
  { orgId: org, senderId: 'rep-1' },
];

/** Presets and ranges cutting days and months at both ends, some with sends after their end, and an hour (no whole day: raw sends alone). */
function ranges(): StatsRange[] {
  const at = (days: number) => new Date(now - days * DAY_MS);
  return [
    { from: at(90), to: new Date(now + 1) },
    { from: null, to: new Date(now + 1) },
    { from: at(7), to: new Date(now + 1) },
    { from: at(95.3), to: at(30.6) },
    { from: at(80.2), to: at(39.5) },
    { from: at(1 / 24), to: new Date(now + 1) },
  ];
}

// Recipients at real providers, several per domain, two senders; days ago each send is moved to.
const RECIPIENTS: [string, string, number][] = [
  ['ada@gmail.com', 'rep-1', 0], ['bob@gmail.com', 'rep-2', 3], ['cy@googlemail.com', 'rep-1', 12.5],
  ['di@hotmail.co.uk', 'rep-2', 40.2], ['ed@outlook.com', 'rep-1', 41], ['fa@acme.example', 'rep-2', 62],
  ['gu@acme.example', 'rep-1', 75.7], ['ha@icloud.com', 'rep-2', 89.9], ['io@icloud.com', 'rep-1', 93], ['jo@web.de', 'rep-2', 130],
];

function hit(path: string, ip: string, userAgent: string): Promise<ArrayBuffer> {
  return fetch(`${t.url}${path}`, { redirect: 'manual', headers: { 'user-agent': userAgent, 'x-forwarded-for': ip } }).then((r) => r.arrayBuffer());
}
const open = (send: TrackedEmail, ip: string, userAgent = CHROME) => hit(`/track/open/${send.openToken}.gif`, ip, userAgent);
const click = (send: TrackedEmail, position: number, ip: string, userAgent = CHROME) => hit(`/track/click/${send.clickTokens[position]}`, ip, userAgent);

/** Every dimension, scope, range and a small limit: the rollups' rows are the raw aggregate's. Returns the organisation's domains over 90 days. */
async function expectRollupsEqualRaw() {
  for (const by of DIMENSIONS) {
    for (const scope of SCOPES) {
      for (const range of ranges()) {
        for (const limit of [100, 2]) {
          const raw = await breakdownSums(t.app.db, scope, 'all', range, by, [''], limit);
          expect({ by, scope, range, limit, rows: await rolledUpBreakdownSums(t.app.db, scope, range, by, limit) }).toEqual({ by, scope, range, limit, rows: raw });
        }
      }
    }
  }
  return rolledUpBreakdownSums(t.app.db, SCOPES[0], ranges()[0], 'RECIPIENT_DOMAIN', 100);
}

beforeAll(async () => {
  // Each reader from its own address (TRUST_PROXY), so no two of them look like one scanner.
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, TRUST_PROXY: '1' });
  for (const [index, [email, sender]] of RECIPIENTS.entries()) {
    sends.push(await sendTrackedEmail(t, org, { recipientEmail: email, senderId: sender, campaignId: `c${index % 3}` }));
  }
  // Moved into the past first: the events below then move figures of whole days and months, read from rollups.
  for (const [index, [, , daysAgo]] of RECIPIENTS.entries()) {
    if (daysAgo > 0) await moveSends(t.app.db, org, [sends[index].sendId], { sentAt: new Date(now - daysAgo * DAY_MS) });
  }
  for (const [index, send] of sends.entries()) {
    if (index % 2 === 0) await open(send, `192.0.2.${index + 1}`);
    if (index % 3 === 0) await click(send, 0, `198.51.100.${index + 1}`);
    if (index % 4 === 1) await open(send, `17.58.0.${index + 1}`, APPLE_PROXY);
  }
  await t.app.recorder.flush();
});
afterAll(async () => {
  await t.close();
});

it('equals the raw aggregate with every delta pending, then folded into rollup rows', async () => {
  const pending = await expectRollupsEqualRaw();
  expect(pending.map((row) => row.key)).toEqual(['acme.example', 'gmail.com', 'googlemail.com', 'hotmail.co.uk', 'icloud.com', 'outlook.com']);
  await compactSendStats(t.app.db);
  const [{ rows }]: { rows: number }[] = await t.app.db.query(`SELECT count(*)::int AS rows FROM breakdown_rollups WHERE org_id = $1`, [org]);
  expect(rows).toBeGreaterThan(0);
  expect(await expectRollupsEqualRaw()).toEqual(pending);
});

it('gives the same rows through the API, to an admin and to a partner, rates over the view\'s sends', async () => {
  for (const [user, role] of [['boss', 'admin'], ['rep-1', 'partner']] as const) {
    const token = await tokenFor(org, user, role);
    for (const by of DIMENSIONS) {
      const result = await gql(t.url, OverviewBreakdownDocument, { by: by as BreakdownDimension, range: { preset: 'LAST_90_DAYS' } }, token);
      expect(result.errors).toBeUndefined();
      const { breakdown, overview } = result.data!;
      // Every rate is over the view's sends; providers and domains add up to them.
      for (const row of breakdown) expect(row.openRate).toBeCloseTo(row.opened / overview.sends, 12);
      const sums = breakdown.reduce((total, row) => total + row.sends, 0);
      if (by === 'MAILBOX_PROVIDER' || by === 'RECIPIENT_DOMAIN') expect(sums).toBe(overview.sends);
      expect(sums).toBeGreaterThan(2);
    }
  }
});

it('follows a BURST flip that takes counted events back', async () => {
  const send = sends[2]; // sent 12.5 days ago: a whole day of the range
  await open(send, '203.0.113.9');
  await t.app.recorder.flush();
  await expectRollupsEqualRaw();
  // Two links from the same address within 5 s: its clicks and its open before are a scanner's.
  await click(send, 0, '203.0.113.9');
  await click(send, 1, '203.0.113.9');
  await t.app.recorder.flush();
  const [{ flipped }]: { flipped: number }[] = await t.app.db.query(
    `SELECT count(*)::int AS flipped FROM tracking_events WHERE org_id = $1 AND send_id = $2 AND bot AND kind = 'OPEN'`,
    [org, send.sendId],
  );
  expect(flipped).toBeGreaterThan(0);
  await expectRollupsEqualRaw();
});

it('moves erased sends to the erased addresses, and keeps every figure after pruning', async () => {
  const erased = sends[5];
  expect((await forget(t, org, erased.contactId)).errors).toBeUndefined();
  const domains = await expectRollupsEqualRaw();
  expect(domains.map((row) => row.key)).toContain('');
  await compactSendStats(t.app.db);
  const before = await expectRollupsEqualRaw();
  await t.app.db.query(`DELETE FROM tracking_events WHERE org_id = $1`, [org]);
  expect(await expectRollupsEqualRaw()).toEqual(before);
});

it('follows moves of sends to another time, sender or tracked flag', async () => {
  await moveSends(t.app.db, org, [sends[1].sendId, sends[6].sendId], { sentAt: new Date(now - 50.5 * DAY_MS), senderId: 'rep-1' });
  await moveSends(t.app.db, org, [sends[3].sendId], { tracked: false });
  await expectRollupsEqualRaw();
  await compactSendStats(t.app.db);
  await expectRollupsEqualRaw();
  await moveSends(t.app.db, org, [sends[3].sendId], { tracked: true, sentAt: new Date(now - 100 * DAY_MS) });
  await expectRollupsEqualRaw();
});
