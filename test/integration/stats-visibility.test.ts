// Who sees what, over every stats query and nested field: owner, admin and
// service see their whole organisation; partner, sales_rep and member only
// their own sends; another organisation sees nothing, whatever ids it names.
import type { Role } from '../../src/auth/viewer';
import { CampaignDrillDownDocument, CampaignsFullDocument, OverviewDocument, TemplateDrillDownDocument, TemplatesFullDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql } from '../support/graphql-client';
import { directFigures, insertSends, type SendSpec } from './stats-fixtures';

let t: TestApp;
const orgA = uniqueOrg('vis-a');
const orgB = uniqueOrg('vis-b');
const orgEmpty = uniqueOrg('vis-c');
const ALL_TIME = { preset: 'ALL_TIME' } as const;
const now = new Date();

interface Fixture extends SendSpec {
  org: string;
  id: string;
}
const fixtures: Fixture[] = [];

const specsA: SendSpec[] = [
  { sentAt: '2025-05-01T09:00:00Z', sender: 'u-partner', campaign: 'camp-shared', template: 'tpl-1', opens: 2, clicks: 1, links: [{ url: 'https://p.example/', clicks: 1 }] },
  { sentAt: '2025-05-02T09:00:00Z', sender: 'u-partner', campaign: 'camp-shared', template: 'tpl-2', opens: 1, mppOpens: 1 },
  { sentAt: '2025-05-03T09:00:00Z', sender: 'u-rep', campaign: 'camp-shared', template: 'tpl-1', status: 'FAILED', links: [{ url: 'https://p.example/' }] },
  { sentAt: '2025-05-04T09:00:00Z', sender: 'someone-else', campaign: 'camp-shared', template: 'tpl-1', opens: 4, clicks: 3, links: [{ url: 'https://secret.example/', clicks: 3 }] },
  { sentAt: '2025-05-05T09:00:00Z', sender: 'someone-else', campaign: 'camp-private', template: 'tpl-secret', opens: 1 },
  { sentAt: '2025-05-06T09:00:00Z', sender: 'u-member', opens: 1, clicks: 1, links: [{ url: 'https://m.example/', clicks: 1 }] },
];
// The same ids and sender in another organisation must never mix in.
const specsB: SendSpec[] = [
  { sentAt: '2025-05-07T09:00:00Z', sender: 'u-partner', campaign: 'camp-shared', template: 'tpl-1', opens: 9, clicks: 9, links: [{ url: 'https://b.example/', clicks: 9 }] },
  { sentAt: '2025-05-08T09:00:00Z', sender: 'u-member', opens: 5 },
];

beforeAll(async () => {
  t = await startTestApp();
  for (const [org, specs] of [[orgA, specsA], [orgB, specsB]] as const) {
    const ids = await insertSends(t.app.db, org, specs);
    specs.forEach((spec, index) => fixtures.push({ ...spec, org, id: ids[index] }));
  }
});
afterAll(async () => {
  await t.close();
});

interface Case {
  label: string;
  org: string;
  userId: string;
  role: Role;
  /** undefined: the whole organisation */
  sender?: string;
}
const cases: Case[] = [
  { label: 'owner', org: orgA, userId: 'boss', role: 'owner' },
  { label: 'admin', org: orgA, userId: 'boss', role: 'admin' },
  { label: 'service', org: orgA, userId: 'crm', role: 'service' },
  { label: 'partner', org: orgA, userId: 'u-partner', role: 'partner', sender: 'u-partner' },
  { label: 'sales_rep', org: orgA, userId: 'u-rep', role: 'sales_rep', sender: 'u-rep' },
  { label: 'member', org: orgA, userId: 'u-member', role: 'member', sender: 'u-member' },
  { label: 'partner of another organisation', org: orgB, userId: 'u-partner', role: 'partner', sender: 'u-partner' },
  { label: 'admin of another organisation', org: orgEmpty, userId: 'u-partner', role: 'admin' },
];

const visible = (c: Case) => fixtures.filter((f) => f.org === c.org && (c.sender === undefined || f.sender === c.sender));
const newestFirst = (a: Fixture, b: Fixture) => new Date(b.sentAt).getTime() - new Date(a.sentAt).getTime();

/** Ids in order of their newest visible send. */
function idsByLastSend(sends: Fixture[], idOf: (f: Fixture) => string | null): string[] {
  const ids: string[] = [];
  for (const send of [...sends].sort(newestFirst)) {
    const id = idOf(send);
    if (id !== null && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

function linksOf(sends: Fixture[]): { url: string; clicks: number; uniqueClicks: number }[] {
  const byUrl = new Map<string, { url: string; clicks: number; uniqueClicks: number }>();
  for (const send of sends) {
    for (const link of send.links ?? []) {
      const entry = byUrl.get(link.url) ?? { url: link.url, clicks: 0, uniqueClicks: 0 };
      entry.clicks += link.clicks ?? 0;
      entry.uniqueClicks += (link.clicks ?? 0) > 0 ? 1 : 0;
      byUrl.set(link.url, entry);
    }
  }
  return [...byUrl.values()].sort((a, b) => b.clicks - a.clicks || b.uniqueClicks - a.uniqueClicks || a.url.localeCompare(b.url));
}

const CAMPAIGNS = ['camp-shared', 'camp-private', 'camp-none'];
const TEMPLATES = ['tpl-1', 'tpl-2', 'tpl-secret', 'ad-hoc', 'tpl-none'];

describe.each(cases)('$label', (c) => {
  let token: string;
  beforeAll(async () => {
    token = await tokenFor(c.org, c.userId, c.role, 'team-1');
  });

  it('sees only its figures in overview', async () => {
    const result = await gql(t.url, OverviewDocument, { range: ALL_TIME }, token);
    expect(result.data?.overview).toEqual(await directFigures(t.app.db, c.org, { to: now, sender: c.sender }));
  });

  it('sees only its campaigns, with only its figures, links and recipients', async () => {
    const result = await gql(t.url, CampaignsFullDocument, { range: ALL_TIME }, token);
    const sends = visible(c);
    expect(result.data?.campaigns.map((row) => row.id)).toEqual(idsByLastSend(sends, (f) => f.campaign ?? null));
    for (const row of result.data?.campaigns ?? []) {
      const mine = sends.filter((f) => f.campaign === row.id);
      expect(row.stats).toEqual(await directFigures(t.app.db, c.org, { to: now, sender: c.sender, campaign: row.id }));
      expect(row.links).toEqual(linksOf(mine));
      expect(row.recipients.map((r) => r.sendId)).toEqual([...mine].sort(newestFirst).map((f) => f.id));
      expect(row.templates.map((r) => r.template.id)).toEqual(idsByLastSend(mine, (f) => f.template ?? 'ad-hoc'));
    }
  });

  it('sees only its templates, ad-hoc included', async () => {
    const result = await gql(t.url, TemplatesFullDocument, { range: ALL_TIME }, token);
    const sends = visible(c);
    expect(result.data?.templates.map((row) => row.id)).toEqual(idsByLastSend(sends, (f) => f.template ?? 'ad-hoc'));
    for (const row of result.data?.templates ?? []) {
      const mine = sends.filter((f) => (f.template ?? 'ad-hoc') === row.id);
      const template = row.id === 'ad-hoc' ? null : row.id;
      expect(row.stats).toEqual(await directFigures(t.app.db, c.org, { to: now, sender: c.sender, template }));
      expect(row.links).toEqual(linksOf(mine));
      expect(row.recipients.map((r) => r.sendId)).toEqual([...mine].sort(newestFirst).map((f) => f.id));
    }
  });

  it.each(CAMPAIGNS)('reaches campaign(%s) only when one of its sends is visible', async (id) => {
    const mine = visible(c).filter((f) => f.campaign === id);
    const result = await gql(t.url, CampaignDrillDownDocument, { id, range: ALL_TIME, limit: 50 }, token);
    expect(result.errors).toBeUndefined();
    if (mine.length === 0) {
      expect(result.data?.campaign).toBeNull();
      return;
    }
    expect(result.data?.campaign?.stats).toEqual(await directFigures(t.app.db, c.org, { to: now, sender: c.sender, campaign: id }));
    expect(result.data?.campaign?.links).toEqual(linksOf(mine));
    expect(result.data?.campaign?.recipients.map((r) => r.sendId)).toEqual([...mine].sort(newestFirst).map((f) => f.id));
  });

  it.each(TEMPLATES)('reaches template(%s) only when one of its sends is visible', async (id) => {
    const mine = visible(c).filter((f) => (f.template ?? 'ad-hoc') === id);
    const result = await gql(t.url, TemplateDrillDownDocument, { id, range: ALL_TIME }, token);
    expect(result.errors).toBeUndefined();
    if (mine.length === 0) {
      expect(result.data?.template).toBeNull();
      return;
    }
    const template = id === 'ad-hoc' ? null : id;
    expect(result.data?.template?.stats).toEqual(await directFigures(t.app.db, c.org, { to: now, sender: c.sender, template }));
    expect(result.data?.template?.links).toEqual(linksOf(mine));
    expect(result.data?.template?.recipients.map((r) => r.sendId)).toEqual([...mine].sort(newestFirst).map((f) => f.id));
  });
});

describe('the role matrix in brief', () => {
  it('gives a partner only its own sends and another organisation nothing', async () => {
    const partner = await gql(t.url, OverviewDocument, { range: ALL_TIME }, await tokenFor(orgA, 'u-partner', 'partner'));
    expect(partner.data?.overview).toEqual(expect.objectContaining({ sends: 2, opens: 3, clicks: 1, mppOpens: 1 }));
    const stranger = await gql(t.url, OverviewDocument, { range: ALL_TIME }, await tokenFor(orgEmpty, 'boss', 'owner'));
    expect(stranger.data?.overview).toEqual(expect.objectContaining({ sends: 0, opens: 0, openRate: 0, mppShare: null, lastSentAt: null }));
  });

  it('refuses every stats query without a valid token', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      expect(errorCodes(await gql(t.url, OverviewDocument, {}, token))).toEqual(['UNAUTHENTICATED']);
      expect(errorCodes(await gql(t.url, CampaignsFullDocument, {}, token))).toEqual(['UNAUTHENTICATED']);
      expect(errorCodes(await gql(t.url, TemplatesFullDocument, {}, token))).toEqual(['UNAUTHENTICATED']);
      expect(errorCodes(await gql(t.url, CampaignDrillDownDocument, { id: 'camp-shared' }, token))).toEqual(['UNAUTHENTICATED']);
      expect(errorCodes(await gql(t.url, TemplateDrillDownDocument, { id: 'tpl-1' }, token))).toEqual(['UNAUTHENTICATED']);
    }
  });
});
