// Named links through the trigger-free writers (issue 23's rollups, issue
// 26's link keys): every writer of link deltas keys them by send_links.link_key,
// a send counts once in `clicked` whatever positions carry the key, and the
// monthly rollup keeps the URL of the earliest send seen under the key, even
// when a later send was folded first. Rollups (ALL_TIME, whole months) and raw
// pairs (the current partial month) agree.
import { CampaignLinksDocument } from '../generated/graphql';
import { moveSends } from '../../src/rollups/move-sends';
import { compactSendStats } from '../../src/stats/compaction';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { TRACKING_ORIGIN } from '../support/instrument';
import { followLink, sendTrackedEmail, type TrackedEmail } from '../support/privacy';

let t: TestApp;
const org = uniqueOrg('named-link-rollups');
let admin: string;

/** One call to action at two positions of each send, each with its own personalised URL, and an unnamed link. */
const html = (contact: string) =>
  `<html><body><a data-track-name="Buy" href="https://shop.example/top?c=${contact}">Buy</a>` +
  ` <a href="https://shop.example/terms">Terms</a>` +
  ` <a data-track-name="Buy" href="https://shop.example/bottom?c=${contact}">Buy again</a></body></html>`;

async function links(preset: 'ALL_TIME' | 'LAST_7_DAYS') {
  const result = await gql(t.url, CampaignLinksDocument, { id: 'launch', range: { preset } }, admin);
  expect(result.errors).toBeUndefined();
  return result.data!.campaign!.links;
}

async function click(send: TrackedEmail, position: number): Promise<void> {
  expect((await followLink(t, send, position)).status).toBe(302);
  await t.app.recorder.flush();
}

async function sentAt(send: TrackedEmail): Promise<Date> {
  const [row]: { sent_at: Date }[] = await t.app.db.query(`SELECT sent_at FROM sends WHERE org_id = $1 AND id = $2`, [org, send.sendId]);
  return row!.sent_at;
}

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, TRUST_PROXY: '1' });
  admin = await tokenFor(org, 'boss', 'admin');
});
afterAll(async () => {
  await t.close();
});

it('count a send once per key, keep the earliest send\'s URL across folds, and agree with the raw pairs', async () => {
  const later = await sendTrackedEmail(t, org, { html: html('later'), campaignId: 'launch' });
  // Both positions of the key clicked by one send: two clicks, one send in `clicked`.
  await click(later, 0);
  await click(later, 2);
  await compactSendStats(t.app.db);
  expect(await links('ALL_TIME')).toEqual([
    { name: 'Buy', url: 'https://shop.example/top?c=later', clicks: 2, uniqueClicks: 1 },
    { name: null, url: 'https://shop.example/terms', clicks: 0, uniqueClicks: 0 },
  ]);

  // A send placed before it, folded after it: its URL is now the first seen under the key.
  const earlier = await sendTrackedEmail(t, org, { html: html('earlier'), campaignId: 'launch' });
  await moveSends(t.app.db, org, [earlier.sendId], { sentAt: new Date((await sentAt(later)).getTime() - 1) });
  await click(earlier, 2);
  await click(earlier, 1);
  await compactSendStats(t.app.db);
  const expected = [
    { name: 'Buy', url: 'https://shop.example/top?c=earlier', clicks: 3, uniqueClicks: 2 },
    { name: null, url: 'https://shop.example/terms', clicks: 1, uniqueClicks: 1 },
  ];
  expect(await links('ALL_TIME')).toEqual(expected);
  expect(await links('LAST_7_DAYS')).toEqual(expected);

  // One rollup row per key, with its name, first URL and that send's time.
  const rows: { link_key: string; name: string | null; url: string; positions: number; clicked: number }[] = await t.app.db.query(
    `SELECT link_key, name, url, positions::int, clicked::int FROM send_link_stats WHERE org_id = $1 ORDER BY link_key`,
    [org],
  );
  expect(rows).toEqual([
    { link_key: 'Buy', name: 'Buy', url: 'https://shop.example/top?c=earlier', positions: 4, clicked: 2 },
    { link_key: 'https://shop.example/terms', name: null, url: 'https://shop.example/terms', positions: 2, clicked: 1 },
  ]);
  const [first]: { first_sent_at: Date }[] = await t.app.db.query(
    `SELECT first_sent_at FROM send_link_stats WHERE org_id = $1 AND link_key = 'Buy'`,
    [org],
  );
  expect(first!.first_sent_at).toEqual(await sentAt(earlier));
});
