// Exact figures on a small data set whose answers are worked out by hand:
// the four cards, campaigns, templates (ad-hoc included), drill-downs,
// ranges at their boundaries, presets, the default range and bad ranges.
import {
  CampaignDrillDownDocument,
  CampaignsDocument,
  CampaignsWithOwnRangeDocument,
  OverviewDocument,
  TemplateDrillDownDocument,
  TemplatesDocument,
} from '../generated/graphql';
import { compactSendStats } from '../../src/stats/compaction';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql } from '../support/graphql-client';
import { insertSends, nameCampaign, nameTemplate } from './stats-fixtures';

let t: TestApp;
const org = uniqueOrg('stats');
let admin: string;
let ids: string[];
const MARCH = { from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z' };

beforeAll(async () => {
  t = await startTestApp();
  admin = await tokenFor(org, 'boss', 'admin');
  await nameCampaign(t.app.db, org, 'c-spring', 'Spring launch');
  await nameTemplate(t.app.db, org, 't-welcome', 'Welcome');
  ids = await insertSends(t.app.db, org, [
    { sentAt: '2025-03-02T10:00:00Z', sender: 'alice', campaign: 'c-spring', template: 't-welcome', opens: 3, mppOpens: 1, clicks: 2, links: [{ url: 'https://a.example/', clicks: 2 }, { url: 'https://b.example/' }] },
    { sentAt: '2025-03-05T12:00:00Z', sender: 'alice', campaign: 'c-spring', template: 't-welcome', opens: 2, mppOpens: 2, links: [{ url: 'https://a.example/' }, { url: 'https://b.example/' }] },
    { sentAt: '2025-03-10T08:30:00Z', sender: 'alice', campaign: 'c-spring', template: 't-followup', status: 'FAILED', links: [{ url: 'https://a.example/' }] },
    // the same URL twice in one email: 2 clicks, but 1 send that clicked it
    { sentAt: '2025-03-20T23:59:59.999Z', sender: 'alice', campaign: 'c-spring', opens: 1, clicks: 2, links: [{ url: 'https://c.example/', clicks: 1 }, { url: 'https://c.example/', clicks: 1 }] },
    { sentAt: '2025-03-15T00:00:00Z', sender: 'alice', template: 't-welcome', opens: 1, mppOpens: 1 },
    { sentAt: '2025-03-31T23:00:00Z', sender: 'bob' },
    // just outside the range at either end
    { sentAt: '2025-04-01T00:00:00Z', sender: 'alice', campaign: 'c-spring', template: 't-welcome', opens: 5 },
    { sentAt: '2025-02-28T23:59:59.999Z', sender: 'alice', campaign: 'c-spring', opens: 4 },
    { sentAt: '2024-06-01T00:00:00Z', sender: 'alice', campaign: 'c-old' },
  ]);
});
afterAll(async () => {
  await t.close();
});

const stats = (figures: Partial<Record<string, unknown>>) => expect.objectContaining(figures);

// Every assertion runs twice: with the deltas pending, then folded into rollups.
describe.each(['pending deltas', 'compacted rollups'])('with %s', (state) => {
  beforeAll(async () => {
    if (state === 'compacted rollups') await compactSendStats(t.app.db);
  });

  it('computes the four cards and their rates', async () => {
    const result = await gql(t.url, OverviewDocument, { range: MARCH }, admin);
    expect(result.errors).toBeUndefined();
    expect(result.data?.overview).toEqual({
      sends: 6, untrackedSends: 0, opened: 4, clicked: 2, failed: 1, opens: 7, clicks: 4, mppOpens: 4, botOpens: 0, botClicks: 0,
      openRate: 4 / 6, clickRate: 2 / 6, humanOpenRate: 2 / 6, mppShare: 4 / 7, clickToOpenRate: 2 / 4,
      lastSentAt: '2025-03-31T23:00:00.000Z',
    });
  });

  it('lists campaigns with a send in range, with their names and figures', async () => {
    const result = await gql(t.url, CampaignsDocument, { range: MARCH }, admin);
    expect(result.data?.campaigns).toEqual([
      {
        id: 'c-spring',
        name: 'Spring launch',
        stats: {
          sends: 4, untrackedSends: 0, opened: 3, clicked: 2, failed: 1, opens: 6, clicks: 4, mppOpens: 3, botOpens: 0, botClicks: 0,
          openRate: 3 / 4, clickRate: 2 / 4, humanOpenRate: 2 / 4, mppShare: 3 / 6, clickToOpenRate: 2 / 3,
          lastSentAt: '2025-03-20T23:59:59.999Z',
        },
      },
    ]);
  });

  it('lists templates with ad-hoc sends as the row "ad-hoc", newest last send first', async () => {
    const result = await gql(t.url, TemplatesDocument, { range: MARCH }, admin);
    expect(result.data?.templates.map((row) => [row.id, row.name, row.stats.sends, row.stats.lastSentAt])).toEqual([
      ['ad-hoc', null, 2, '2025-03-31T23:00:00.000Z'],
      ['t-welcome', 'Welcome', 3, '2025-03-15T00:00:00.000Z'],
      ['t-followup', null, 1, '2025-03-10T08:30:00.000Z'],
    ]);
  });

  it('drills into a campaign: per-template sub-totals, links and the latest recipients', async () => {
    const result = await gql(t.url, CampaignDrillDownDocument, { id: 'c-spring', range: MARCH, limit: 2 }, admin);
    expect(result.errors).toBeUndefined();
    const campaign = result.data?.campaign;
    expect(campaign?.templates.map((row) => [row.template.id, row.stats.sends])).toEqual([
      ['ad-hoc', 1],
      ['t-followup', 1],
      ['t-welcome', 2],
    ]);
    expect(campaign?.templates[1].stats).toEqual(stats({ failed: 1, opens: 0, mppShare: null, openRate: 0 }));
    expect(campaign?.templates[2].stats).toEqual(stats({ opened: 2, clicked: 1, opens: 5, mppOpens: 3, humanOpenRate: 0.5, mppShare: 0.6 }));
    expect(campaign?.links).toEqual([
      { url: 'https://a.example/', clicks: 2, uniqueClicks: 1 },
      { url: 'https://c.example/', clicks: 2, uniqueClicks: 1 },
      { url: 'https://b.example/', clicks: 0, uniqueClicks: 0 },
    ]);
    expect(campaign?.recipients).toEqual([
      {
        cursor: expect.any(String), sendId: ids[3], contactId: 'contact-3', email: 'person-3@example.com', sentAt: '2025-03-20T23:59:59.999Z',
        opens: 1, clicks: 2, mppOpens: 0, firstOpenedAt: '2025-03-21T00:00:59.999Z', lastClickedAt: '2025-03-21T00:01:59.999Z',
      },
      expect.objectContaining({ sendId: ids[2], opens: 0, firstOpenedAt: null, lastClickedAt: null }),
    ]);
  });

  it('drills into the ad-hoc template', async () => {
    const result = await gql(t.url, TemplateDrillDownDocument, { id: 'ad-hoc', range: MARCH }, admin);
    expect(result.data?.template).toEqual({
      id: 'ad-hoc',
      name: null,
      stats: stats({ sends: 2, opened: 1, clicked: 1, opens: 1, clicks: 2 }),
      links: [{ url: 'https://c.example/', clicks: 2, uniqueClicks: 1 }],
      recipients: [expect.objectContaining({ sendId: ids[5] }), expect.objectContaining({ sendId: ids[3] })],
    });
  });

  it('includes a send exactly at from and excludes one exactly at to', async () => {
    const range = { from: '2025-03-02T10:00:00.000Z', to: '2025-03-20T23:59:59.999Z' };
    const result = await gql(t.url, CampaignDrillDownDocument, { id: 'c-spring', range }, admin);
    expect(result.data?.campaign?.recipients.map((row) => row.sendId)).toEqual([ids[2], ids[1], ids[0]]);
    expect(result.data?.campaign?.stats.sends).toBe(3);
    const shifted = { from: '2025-03-02T10:00:00.001Z', to: '2025-03-21T00:00:00.000Z' };
    const after = await gql(t.url, CampaignDrillDownDocument, { id: 'c-spring', range: shifted }, admin);
    expect(after.data?.campaign?.recipients.map((row) => row.sendId)).toEqual([ids[3], ids[2], ids[1]]);
  });

  it('gives nested fields the range of the list, unless they have their own', async () => {
    const result = await gql(t.url, CampaignsWithOwnRangeDocument, { range: MARCH, statsRange: { preset: 'ALL_TIME' } }, admin);
    expect(result.data?.campaigns).toEqual([{ id: 'c-spring', inherited: { sends: 4 }, own: { sends: 6 } }]);
  });

  it('finds a campaign by id whatever its sends\' age, with nested fields over LAST_30_DAYS', async () => {
    const result = await gql(t.url, CampaignDrillDownDocument, { id: 'c-old' }, admin);
    expect(result.data?.campaign).toEqual(expect.objectContaining({ id: 'c-old', name: null, links: [], templates: [], recipients: [] }));
    expect(result.data?.campaign?.stats).toEqual(stats({ sends: 0, openRate: 0, clickRate: 0, humanOpenRate: 0, mppShare: null, lastSentAt: null }));
    const all = await gql(t.url, CampaignDrillDownDocument, { id: 'c-old', range: { preset: 'ALL_TIME' } }, admin);
    expect(all.data?.campaign?.stats.sends).toBe(1);
  });

  it('answers null for a campaign or template without a visible send', async () => {
    for (const id of ['c-none', '', 'ad-hoc']) {
      const result = await gql(t.url, CampaignDrillDownDocument, { id }, admin);
      expect(result.data).toEqual({ campaign: null });
    }
    for (const id of ['t-none', '']) {
      const result = await gql(t.url, TemplateDrillDownDocument, { id }, admin);
      expect(result.data).toEqual({ template: null });
    }
  });
});

describe('presets and the default range', () => {
  const DAY = 86_400_000;
  const presetOrg = uniqueOrg('presets');
  let token: string;
  beforeAll(async () => {
    token = await tokenFor(presetOrg, 'boss', 'owner');
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * DAY + 60_000);
    // just inside and outside each preset (a minute of slack for the request's own "now")
    await insertSends(t.app.db, presetOrg, [6.9, 7.1, 29.9, 30.1, 89.9, 90.1, 400].map((days) => ({ sentAt: ago(days) })));
    await insertSends(t.app.db, presetOrg, [{ sentAt: new Date(now + DAY) }]); // in the future: in no preset
  });

  it.each([
    ['LAST_7_DAYS', 1],
    ['LAST_30_DAYS', 3],
    ['LAST_90_DAYS', 5],
    ['ALL_TIME', 7],
  ] as const)('%s ends now', async (preset, sends) => {
    const result = await gql(t.url, OverviewDocument, { range: { preset } }, token);
    expect(result.data?.overview.sends).toBe(sends);
  });

  it('uses LAST_30_DAYS without a range, or with an empty one', async () => {
    expect((await gql(t.url, OverviewDocument, {}, token)).data?.overview.sends).toBe(3);
    expect((await gql(t.url, OverviewDocument, { range: {} }, token)).data?.overview.sends).toBe(3);
  });

  it('runs from alone to now and to alone from the beginning', async () => {
    const from = new Date(Date.now() - 31 * DAY).toISOString();
    expect((await gql(t.url, OverviewDocument, { range: { from } }, token)).data?.overview.sends).toBe(4);
    const to = new Date(Date.now() + 2 * DAY).toISOString();
    expect((await gql(t.url, OverviewDocument, { range: { to } }, token)).data?.overview.sends).toBe(8);
  });

  it.each([
    [{ preset: 'ALL_TIME', from: '2025-01-01T00:00:00Z' }, 'range: give either a preset or from/to, not both'],
    [{ from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }, 'range.from must be earlier than range.to'],
    [{ from: '2025-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }, 'range.from must be earlier than range.to'],
    [{ from: '2999-01-01T00:00:00Z' }, 'range.from must be in the past when range.to is not given'],
    [{ from: '1000-01-01T00:00:00Z' }, 'range.from must be between 1900-01-01 and 3000-01-01'],
  ])('refuses %j with BAD_USER_INPUT', async (range, message) => {
    const result = await gql(t.url, OverviewDocument, { range: range as never }, token);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0].message).toBe(message);
  });

  it('refuses a bad range or limit on a nested field', async () => {
    await insertSends(t.app.db, presetOrg, [{ sentAt: new Date(), campaign: 'c1' }]);
    const limit = await gql(t.url, CampaignDrillDownDocument, { id: 'c1', limit: 0 }, token);
    expect(limit.errors?.[0]).toEqual(expect.objectContaining({ message: 'limit must be between 1 and 1000', extensions: { code: 'BAD_USER_INPUT' } }));
    const range = await gql(t.url, CampaignDrillDownDocument, { id: 'c1', range: { preset: 'LAST_7_DAYS', to: '2025-01-01T00:00:00Z' } }, token);
    expect(errorCodes(range)).toContain('BAD_USER_INPUT');
  });
});
