// Every recipient of a campaign or template, a page at a time: filters, the
// cursor through pages (send times shared to the millisecond and differing by
// a microsecond included), role scoping, and cursors that must be refused.
import { CampaignRecipientsDocument, TemplateRecipientsDocument, type RecipientFilter } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql } from '../support/graphql-client';
import { insertSends, type SendSpec } from './stats-fixtures';

let t: TestApp;
const org = uniqueOrg('recipients');
const otherOrg = uniqueOrg('recipients-other');
const RANGE = { from: '2025-03-01T00:00:00Z', to: '2025-04-01T00:00:00Z' };
let admin: string;
let partner: string;

/** 130 tracked sends of "big" in March, ten to a millisecond, with a mix of opens and clicks; and sends that must not show. */
function bigCampaign(): SendSpec[] {
  // Every other send a microsecond later: a cursor carrying milliseconds only would skip or repeat them.
  const at = (index: number) => new Date(Date.UTC(2025, 2, 1 + (index % 13), 9) + Math.floor(index / 13)).toISOString();
  const tracked = Array.from({ length: 130 }, (_, index): SendSpec => ({
    sentAt: index % 2 === 1 ? at(index).replace('Z', '001Z') : at(index),
    sender: index % 3 === 0 ? 'rep-1' : 'rep-2',
    campaign: 'big',
    template: index % 5 === 0 ? null : 'tpl',
    opens: index % 4 === 0 ? 0 : index % 3,
    clicks: index % 7 === 0 ? 1 : 0,
  }));
  return [
    ...tracked,
    { sentAt: '2025-03-05T09:00:00Z', campaign: 'big', tracked: false },
    { sentAt: '2025-02-28T23:59:59Z', campaign: 'big' },
    { sentAt: '2025-03-05T09:00:00Z', campaign: 'small', template: 'tpl' },
  ];
}

/** The newest-first order, the obvious way. */
async function expectedOrder(where: string, values: unknown[] = []): Promise<string[]> {
  const rows: { id: string }[] = await t.app.db.query(
    `SELECT id FROM sends WHERE org_id = $1 AND tracked AND sent_at >= $2 AND sent_at < $3 AND ${where} ORDER BY sent_at DESC, id DESC`,
    [org, RANGE.from, RANGE.to, ...values],
  );
  return rows.map((row) => row.id);
}

async function pageThrough(token: string, id: string, limit: number, filter: RecipientFilter = 'ALL', kind: 'campaign' | 'template' = 'campaign'): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | null = null;
  for (;;) {
    const variables = { id, range: RANGE, limit, after, filter };
    const result = kind === 'campaign' ? await gql(t.url, CampaignRecipientsDocument, variables, token) : await gql(t.url, TemplateRecipientsDocument, variables, token);
    expect(result.errors).toBeUndefined();
    const data = result.data as { campaign?: { recipients: { sendId: string; cursor: string }[] } | null; template?: { recipients: { sendId: string; cursor: string }[] } | null };
    const rows = (data.campaign ?? data.template)?.recipients ?? [];
    if (rows.length === 0) return pages;
    pages.push(rows.map((row) => row.sendId));
    after = rows[rows.length - 1].cursor;
  }
}

beforeAll(async () => {
  t = await startTestApp();
  admin = await tokenFor(org, 'boss', 'admin');
  partner = await tokenFor(org, 'rep-1', 'partner');
  await insertSends(t.app.db, org, bigCampaign());
  await insertSends(t.app.db, otherOrg, [{ sentAt: '2025-03-05T09:00:00Z', campaign: 'big' }, { sentAt: '2025-03-06T09:00:00Z', campaign: 'big' }]);
});
afterAll(async () => {
  await t.close();
});

describe('recipients', () => {
  it('pages through every tracked send of a campaign, newest first, each once', async () => {
    const expected = await expectedOrder(`campaign_id = 'big'`);
    expect(expected).toHaveLength(130);
    const pages = await pageThrough(admin, 'big', 50);
    expect(pages.map((page) => page.length)).toEqual([50, 50, 30]);
    expect(pages.flat()).toEqual(expected);
    expect((await pageThrough(admin, 'big', 1000)).flat()).toEqual(expected);
  });

  it.each([
    ['OPENED', '(opens > 0 OR clicks > 0)'],
    ['CLICKED', 'clicks > 0'],
    ['NOT_OPENED', 'opens = 0 AND clicks = 0'],
  ] as const)('keeps the %s ones, paged', async (filter, where) => {
    const expected = await expectedOrder(`campaign_id = 'big' AND ${where}`);
    expect(expected.length).toBeGreaterThan(7);
    expect((await pageThrough(admin, 'big', 7, filter)).flat()).toEqual(expected);
  });

  it('gives a partner its own sends only', async () => {
    const expected = await expectedOrder(`campaign_id = 'big' AND sender_id = 'rep-1'`);
    expect((await pageThrough(partner, 'big', 11)).flat()).toEqual(expected);
  });

  it('pages through a template, and the ad-hoc row', async () => {
    expect((await pageThrough(admin, 'tpl', 40, 'ALL', 'template')).flat()).toEqual(await expectedOrder(`template_id = 'tpl'`));
    expect((await pageThrough(admin, 'ad-hoc', 9, 'ALL', 'template')).flat()).toEqual(await expectedOrder(`template_id IS NULL`));
  });

  it('refuses a garbled or forged cursor, and one of another list or organisation', async () => {
    const first = await gql(t.url, CampaignRecipientsDocument, { id: 'big', range: RANGE, limit: 1 }, admin);
    const cursor = first.data!.campaign!.recipients[0].cursor;
    const flipped = `${cursor.slice(0, 12)}${cursor[12] === 'A' ? 'B' : 'A'}${cursor.slice(13)}`;
    const other = await gql(t.url, CampaignRecipientsDocument, { id: 'big', range: RANGE, limit: 1 }, await tokenFor(otherOrg, 'boss', 'admin'));
    const otherCursor = other.data!.campaign!.recipients[0].cursor;
    const smallCursor = (await gql(t.url, CampaignRecipientsDocument, { id: 'small', range: RANGE, limit: 1 }, admin)).data!.campaign!.recipients[0].cursor;
    for (const after of [flipped, 'not a cursor', '', cursor.slice(0, -2), `${cursor}AA`, otherCursor, smallCursor]) {
      const result = await gql(t.url, CampaignRecipientsDocument, { id: 'big', range: RANGE, after }, admin);
      expect({ after, codes: errorCodes(result), data: result.data }).toEqual({ after, codes: ['BAD_USER_INPUT'], data: { campaign: null } });
      expect(result.errors?.[0].message).toMatch(/^after: /);
    }
    // The other organisation's own cursor still works there, and shows none of ours.
    const theirs = await gql(t.url, CampaignRecipientsDocument, { id: 'big', range: RANGE, after: otherCursor }, await tokenFor(otherOrg, 'boss', 'admin'));
    expect(theirs.data?.campaign?.recipients).toHaveLength(1);
  });

  it.each([0, -1, 1001])('refuses limit %d', async (limit) => {
    const result = await gql(t.url, CampaignRecipientsDocument, { id: 'big', range: RANGE, limit }, admin);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0].message).toBe('limit must be between 1 and 1000');
  });
});
