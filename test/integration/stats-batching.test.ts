// No N+1: however many campaigns or templates a query returns, each nested
// list field costs one batched SQL statement (DataLoaders per request).
import {
  CampaignDrillDownDocument,
  CampaignRecipientsDocument,
  CampaignsFullDocument,
  CampaignsTimelineDocument,
  TemplatesFullDocument,
} from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { insertSends, type SendSpec } from './stats-fixtures';

let t: TestApp;
let statements: string[] = [];
const org = uniqueOrg('batching');
const MARCH = { from: '2025-03-01T00:00:00Z', to: '2025-04-01T00:00:00Z' };

/** Statements sent while `run` ran (the background compaction is stopped: it is not part of any request). */
async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
  statements = [];
  await run();
  return [...statements];
}

function campaignSends(campaigns: number): SendSpec[] {
  return Array.from({ length: campaigns }, (_, c) =>
    ['t1', 't2', null].map((template, index) => ({
      sentAt: new Date(Date.UTC(2025, 2, 1 + ((c + index) % 28), 12, c)),
      sender: index === 0 ? 'partner-1' : 'sender-2',
      campaign: `camp-${c}`,
      template,
      opens: index,
      clicks: index % 2,
      links: [{ url: `https://example.com/${c}`, clicks: index % 2 }, { url: 'https://example.com/shared' }],
    })),
  ).flat();
}

beforeAll(async () => {
  t = await startTestApp({}, { onQuery: (sql) => statements.push(sql) });
  // Its statements (a transaction per organisation) would mix with the requests'; the figures read pending deltas either way.
  await t.app.compactor.stop();
  await insertSends(t.app.db, org, campaignSends(30));
});
afterAll(async () => {
  await t.close();
});

describe('statements per query', () => {
  it.each(['admin', 'partner'] as const)('campaigns with 30 rows and every nested field: four statements, as %s', async (role) => {
    const token = await tokenFor(org, 'partner-1', role);
    let rows = 0;
    const sql = await statementsOf(async () => {
      const result = await gql(t.url, CampaignsFullDocument, { range: MARCH }, token);
      expect(result.errors).toBeUndefined();
      rows = result.data?.campaigns.length ?? 0;
      expect(result.data?.campaigns.every((row) => row.links.length > 0 && row.templates.length > 0 && row.recipients.length > 0)).toBe(true);
    });
    expect(rows).toBe(30);
    // the list with its stats, then links, templates and recipients: one statement each
    expect(sql).toHaveLength(4);
  });

  it('templates with every nested field: one statement per field', async () => {
    const token = await tokenFor(org, 'boss', 'owner');
    const sql = await statementsOf(async () => {
      const result = await gql(t.url, TemplatesFullDocument, { range: MARCH }, token);
      expect(result.data?.templates.map((row) => row.id).sort()).toEqual(['ad-hoc', 't1', 't2']);
    });
    expect(sql).toHaveLength(3);
  });

  it('a drill-down with the templates\' own figures nested: still one statement per field', async () => {
    const token = await tokenFor(org, 'boss', 'owner');
    const sql = await statementsOf(async () => {
      const result = await gql(t.url, CampaignDrillDownDocument, { id: 'camp-3', range: MARCH }, token);
      expect(result.data?.campaign?.templates).toHaveLength(3);
    });
    // head, stats, links, templates, recipients; then the templates' stats, links, recipients
    expect(sql).toHaveLength(8);
  });

  it.each(['admin', 'partner'] as const)('every row\'s timeline: one statement for the list, one for the timelines, as %s', async (role) => {
    const token = await tokenFor(org, 'partner-1', role);
    const sql = await statementsOf(async () => {
      const result = await gql(t.url, CampaignsTimelineDocument, { range: MARCH }, token);
      expect(result.errors).toBeUndefined();
      expect(result.data?.campaigns.length).toBeGreaterThanOrEqual(30);
      expect(result.data?.campaigns.every((row) => row.timeline.length === 31)).toBe(true);
    });
    expect(sql).toHaveLength(2);
    // No range start: the rows' first sends first, then the timelines, for HOUR and DAY rows alike.
    const all = await statementsOf(async () => {
      const result = await gql(t.url, CampaignsTimelineDocument, { range: { to: MARCH.to } }, token);
      expect(result.errors).toBeUndefined();
    });
    expect(all.length).toBeLessThanOrEqual(4);
  });

  it('a filtered page after a cursor: one statement', async () => {
    const token = await tokenFor(org, 'boss', 'owner');
    const first = await gql(t.url, CampaignRecipientsDocument, { id: 'camp-3', range: MARCH, limit: 1, filter: 'OPENED' }, token);
    const after = first.data?.campaign?.recipients[0].cursor;
    const sql = await statementsOf(async () => {
      const result = await gql(t.url, CampaignRecipientsDocument, { id: 'camp-3', range: MARCH, limit: 1, filter: 'OPENED', after }, token);
      expect(result.data?.campaign?.recipients).toHaveLength(1);
    });
    // the head, then the page
    expect(sql).toHaveLength(2);
  });

  it('does not grow with the number of rows', async () => {
    const token = await tokenFor(org, 'boss', 'owner');
    const before = await statementsOf(() => gql(t.url, CampaignsFullDocument, { range: MARCH }, token));
    const timelinesBefore = await statementsOf(() => gql(t.url, CampaignsTimelineDocument, { range: MARCH }, token));
    await insertSends(t.app.db, org, campaignSends(60).slice(90));
    const after = await statementsOf(async () => {
      const result = await gql(t.url, CampaignsFullDocument, { range: MARCH }, token);
      expect(result.data?.campaigns).toHaveLength(60);
    });
    expect(after.length).toBe(before.length);
    const timelinesAfter = await statementsOf(() => gql(t.url, CampaignsTimelineDocument, { range: MARCH }, token));
    expect(timelinesAfter.length).toBe(timelinesBefore.length);
  });
});
