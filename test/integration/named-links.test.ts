// Named links (contract section 3 rule 7, section 5): personalised URLs of one
// call to action add up to one LinkStat under their data-track-name, its url
// the first seen under the name; recipients(link:) lists exactly the sends
// with a counted click on that link, paged, and only the caller's own for a
// partner. The same before and after the link deltas are folded and the raw
// events pruned.
import { CampaignLinkClickersDocument, type CampaignLinkClickersQuery, CampaignLinksDocument, TemplateLinkClickersDocument, TemplateLinksDocument } from '../generated/graphql';
import { compactSendStats } from '../../src/stats/compaction';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql, type GraphQLResult } from '../support/graphql-client';
import { TRACKING_ORIGIN } from '../support/instrument';
import { followLink, sendTrackedEmail, type TrackedEmail } from '../support/privacy';

let t: TestApp;
const org = uniqueOrg('named-links');
const RANGE = { preset: 'LAST_7_DAYS' as const };
let admin: string;
let partner: string;

/** A personalised call to action (the contact in the URL), named, and an unnamed link to the same page for everyone. */
const html = (contact: number) =>
  `<html><body><a data-track-name="Buy now" href="https://shop.example/spring?contact=${contact}">Buy</a>` +
  ` <a href="https://shop.example/terms">Terms</a></body></html>`;

const sends: TrackedEmail[] = [];
/** Which sends clicked which link (position 0: "Buy now", 1: terms). */
const CLICKS: [number, number][] = [[0, 0], [1, 0], [1, 0], [2, 1], [3, 0], [3, 1], [5, 0]];

async function links(token: string) {
  const result = await gql(t.url, CampaignLinksDocument, { id: 'spring', range: RANGE }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.campaign!.links;
}

async function clickers(token: string, link: string, limit = 50): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const result: GraphQLResult<CampaignLinkClickersQuery> = await gql(t.url, CampaignLinkClickersDocument, { id: 'spring', link, range: RANGE, limit, after }, token);
    expect(result.errors).toBeUndefined();
    const page: { sendId: string; cursor: string }[] = result.data!.campaign!.recipients;
    ids.push(...page.map((row) => row.sendId));
    if (page.length < limit) return ids;
    after = page[page.length - 1]!.cursor;
  }
}

const sendIdsOf = (indexes: number[]) => sends.filter((_, index) => indexes.includes(index)).map((send) => send.sendId).reverse();

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, TRUST_PROXY: '1' });
  admin = await tokenFor(org, 'boss', 'admin');
  partner = await tokenFor(org, 'rep-1', 'partner');
  for (let index = 0; index < 6; index++) {
    sends.push(await sendTrackedEmail(t, org, { html: html(index), senderId: index % 2 === 0 ? 'rep-1' : 'rep-2', campaignId: 'spring', templateId: 'tpl' }));
  }
  for (const [send, position] of CLICKS) expect((await followLink(t, sends[send]!, position)).status).toBe(302);
  await t.app.recorder.flush();
});
afterAll(async () => {
  await t.close();
});

describe('named links', () => {
  it('keep their name on the send and their URL as it was', async () => {
    const rows: { position: number; url: string; name: string | null; link_key: string }[] = await t.app.db.query(
      `SELECT position, url, name, link_key FROM send_links WHERE org_id = $1 AND send_id = $2 ORDER BY position`,
      [org, sends[4]!.sendId],
    );
    expect(rows).toEqual([
      { position: 0, url: 'https://shop.example/spring?contact=4', name: 'Buy now', link_key: 'Buy now' },
      { position: 1, url: 'https://shop.example/terms', name: null, link_key: 'https://shop.example/terms' },
    ]);
  });

  it('add up to one row under the name, url the first seen; unnamed links stay by URL', async () => {
    const expected = [
      { name: 'Buy now', url: 'https://shop.example/spring?contact=0', clicks: 5, uniqueClicks: 4 },
      { name: null, url: 'https://shop.example/terms', clicks: 2, uniqueClicks: 2 },
    ];
    expect(await links(admin)).toEqual(expected);
    const template = await gql(t.url, TemplateLinksDocument, { id: 'tpl', range: RANGE }, admin);
    expect(template.data!.template!.links).toEqual(expected);
    // Folded into the monthly rollups, and read as whole months: the same rows.
    await compactSendStats(t.app.db);
    expect(await links(admin)).toEqual(expected);
    const allTime = await gql(t.url, CampaignLinksDocument, { id: 'spring', range: { preset: 'ALL_TIME' } }, admin);
    expect(allTime.data!.campaign!.links).toEqual(expected);
  });

  it("a partner's rows count its own sends only", async () => {
    expect(await links(partner)).toEqual([
      { name: 'Buy now', url: 'https://shop.example/spring?contact=0', clicks: 1, uniqueClicks: 1 },
      { name: null, url: 'https://shop.example/terms', clicks: 1, uniqueClicks: 1 },
    ]);
  });

  it('recipients(link:) lists exactly the sends that clicked it, newest first, page by page', async () => {
    expect(await clickers(admin, 'Buy now')).toEqual(sendIdsOf([0, 1, 3, 5]));
    expect(await clickers(admin, 'Buy now', 1)).toEqual(sendIdsOf([0, 1, 3, 5]));
    expect(await clickers(admin, 'https://shop.example/terms')).toEqual(sendIdsOf([2, 3]));
    // A named link is found by its name, not by one of its URLs.
    expect(await clickers(admin, 'https://shop.example/spring?contact=0')).toEqual([]);
    expect(await clickers(admin, 'No such link')).toEqual([]);
    const template = await gql(t.url, TemplateLinkClickersDocument, { id: 'tpl', link: 'Buy now', range: RANGE, limit: 50 }, admin);
    expect(template.data!.template!.recipients.map((row) => row.sendId)).toEqual(sendIdsOf([0, 1, 3, 5]));
  });

  it("a partner sees who clicked among its own sends only", async () => {
    expect(await clickers(partner, 'Buy now')).toEqual(sendIdsOf([0]));
    expect(await clickers(partner, 'https://shop.example/terms')).toEqual(sendIdsOf([2]));
  });

  it('are the same after the raw events are pruned', async () => {
    const before = { links: await links(admin), clickers: await clickers(admin, 'Buy now') };
    await t.app.db.query(`DELETE FROM tracking_events WHERE org_id = $1`, [org]);
    expect(await links(admin)).toEqual(before.links);
    expect(await clickers(admin, 'Buy now')).toEqual(before.clickers);
  });
});
