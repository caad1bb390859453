// Timelines worked out by hand: events written through the real event writer
// at chosen times, bucketed by hour and by calendar day, in UTC, across New
// York's 23- and 25-hour days, at Kolkata's :30 and Kathmandu's :45 offsets;
// continuous series, the first send as the start, roles, the bounds.
import { CampaignTimelineDocument, TemplateTimelineDocument, TimelineDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql } from '../support/graphql-client';
import { insertSends, writeTrackingEvents } from './stats-fixtures';

let t: TestApp;
const org = uniqueOrg('timeline');
let admin: string;
let partner: string;
const zero = { opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0 };
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await startTestApp();
  admin = await tokenFor(org, 'boss', 'admin');
  partner = await tokenFor(org, 'rep-1', 'partner');
  const [hourly, dst, fallBack, kolkata, untracked, other] = await insertSends(t.app.db, org, [
    { sentAt: '2025-03-03T10:00:00Z', sender: 'rep-1', campaign: 'c1', template: 't1' },
    { sentAt: '2025-03-08T12:00:00Z', sender: 'rep-2', campaign: 'c1' },
    { sentAt: '2025-11-01T12:00:00Z', sender: 'rep-2', campaign: 'c2', template: 't1' },
    { sentAt: '2025-06-10T08:00:00Z', sender: 'rep-1', campaign: 'c3' },
    { sentAt: '2025-03-03T10:00:00Z', sender: 'rep-1', campaign: 'c1', tracked: false },
    { sentAt: '2025-03-03T09:00:00Z', sender: 'rep-2', campaign: 'c1', template: 't1' },
  ]);
  await writeTrackingEvents(t.app.db, org, [
    { send: hourly, at: '2025-03-03T10:05:00Z' },
    { send: hourly, at: '2025-03-03T10:59:59.999Z', mpp: true },
    { send: hourly, at: '2025-03-03T11:10:00Z', kind: 'CLICK' },
    { send: hourly, at: '2025-03-03T11:11:00Z', bot: true },
    { send: hourly, at: '2025-03-03T11:12:00Z', kind: 'CLICK', bot: true },
    { send: hourly, at: '2025-03-03T13:30:00Z' },
    { send: untracked, at: '2025-03-03T10:30:00Z' },
    { send: other, at: '2025-03-03T12:15:00Z', kind: 'CLICK' },
    // New York springs forward on 9 March 2025: the 9th runs from 05:00Z to 04:00Z on the 10th
    { send: dst, at: '2025-03-09T05:30:00Z' },
    { send: dst, at: '2025-03-10T03:30:00Z' },
    { send: dst, at: '2025-03-10T04:15:00Z' },
    // ...and falls back on 2 November: 23:59 EST on the 2nd is 04:59Z on the 3rd
    { send: fallBack, at: '2025-11-02T04:00:00Z' },
    { send: fallBack, at: '2025-11-03T04:59:00Z' },
    { send: fallBack, at: '2025-11-03T05:00:00Z' },
    // 15:50 and 16:10 in Kolkata; 23:55 and 00:05 in Kathmandu
    { send: kolkata, at: '2025-06-10T10:20:00Z' },
    { send: kolkata, at: '2025-06-10T10:40:00Z' },
    { send: kolkata, at: '2025-06-10T18:10:00Z' },
    { send: kolkata, at: '2025-06-10T18:20:00Z' },
  ]);
});
afterAll(async () => {
  await t.close();
});

const at = (iso: string) => new Date(iso).toISOString();

describe('timeline', () => {
  it('buckets events by hour, continuously from the range start, tracked sends only', async () => {
    const range = { from: '2025-03-03T09:30:00Z', to: '2025-03-03T15:00:00Z' };
    const result = await gql(t.url, TimelineDocument, { range, granularity: 'HOUR' }, admin);
    expect(result.errors).toBeUndefined();
    expect(result.data?.timeline).toEqual([
      { at: at('2025-03-03T09:00:00Z'), ...zero },
      { at: at('2025-03-03T10:00:00Z'), ...zero, opens: 2, mppOpens: 1 },
      { at: at('2025-03-03T11:00:00Z'), ...zero, clicks: 1, botOpens: 1, botClicks: 1 },
      { at: at('2025-03-03T12:00:00Z'), ...zero },
      { at: at('2025-03-03T13:00:00Z'), ...zero, opens: 1 },
      { at: at('2025-03-03T14:00:00Z'), ...zero },
    ]);
  });

  it('chooses HOUR for at most 3 days and DAY beyond (AUTO)', async () => {
    const from = Date.parse('2025-03-03T00:00:00Z');
    const hours = await gql(t.url, TimelineDocument, { range: { from: at('2025-03-03T00:00:00Z'), to: new Date(from + 72 * HOUR).toISOString() } }, admin);
    expect(hours.data?.timeline).toHaveLength(72);
    const days = await gql(t.url, TimelineDocument, { range: { from: at('2025-03-03T00:00:00Z'), to: new Date(from + 72 * HOUR + 1).toISOString() } }, admin);
    expect(days.data?.timeline.map((point) => [point.at, point.opens, point.clicks])).toEqual([
      [at('2025-03-03T00:00:00Z'), 3, 2],
      [at('2025-03-04T00:00:00Z'), 0, 0],
      [at('2025-03-05T00:00:00Z'), 0, 0],
      [at('2025-03-06T00:00:00Z'), 0, 0],
    ]);
  });

  it('gives New York a 23-hour and a 25-hour day', async () => {
    const spring = await gql(t.url, TimelineDocument, { range: { from: '2025-03-08T05:00:00Z', to: '2025-03-11T04:00:00Z' }, granularity: 'DAY', timeZone: 'America/New_York' }, admin);
    expect(spring.data?.timeline.map((point) => [point.at, point.opens])).toEqual([
      [at('2025-03-08T05:00:00Z'), 0],
      [at('2025-03-09T05:00:00Z'), 2],
      [at('2025-03-10T04:00:00Z'), 1],
    ]);
    const fall = await gql(t.url, TimelineDocument, { range: { from: '2025-11-01T04:00:00Z', to: '2025-11-04T05:00:00Z' }, granularity: 'DAY', timeZone: 'America/New_York' }, admin);
    expect(fall.data?.timeline.map((point) => [point.at, point.opens])).toEqual([
      [at('2025-11-01T04:00:00Z'), 0],
      [at('2025-11-02T04:00:00Z'), 2],
      [at('2025-11-03T05:00:00Z'), 1],
    ]);
    // the same events by UTC day
    const utc = await gql(t.url, TimelineDocument, { range: { from: '2025-03-08T00:00:00Z', to: '2025-03-11T00:00:00Z' }, granularity: 'DAY' }, admin);
    expect(utc.data?.timeline.map((point) => point.opens)).toEqual([0, 1, 2]);
  });

  it('starts hours at :30 in Kolkata and days at 18:15 UTC in Kathmandu', async () => {
    const range = { from: '2025-06-10T08:00:00Z', to: '2025-06-10T12:00:00Z' };
    const kolkata = await gql(t.url, TimelineDocument, { range, granularity: 'HOUR', timeZone: 'Asia/Kolkata' }, admin);
    expect(kolkata.data?.timeline.map((point) => [point.at, point.opens])).toEqual([
      [at('2025-06-10T07:30:00Z'), 0],
      [at('2025-06-10T08:30:00Z'), 0],
      [at('2025-06-10T09:30:00Z'), 1],
      [at('2025-06-10T10:30:00Z'), 1],
      [at('2025-06-10T11:30:00Z'), 0],
    ]);
    const days = { from: '2025-06-10T00:00:00Z', to: '2025-06-13T00:00:00Z' };
    const kathmandu = await gql(t.url, TimelineDocument, { range: days, granularity: 'DAY', timeZone: 'Asia/Kathmandu' }, admin);
    expect(kathmandu.data?.timeline.map((point) => [point.at, point.opens])).toEqual([
      [at('2025-06-09T18:15:00Z'), 3],
      [at('2025-06-10T18:15:00Z'), 1],
      [at('2025-06-11T18:15:00Z'), 0],
      [at('2025-06-12T18:15:00Z'), 0],
    ]);
  });

  it('scopes by role, campaign and template (ad-hoc included)', async () => {
    const range = { from: '2025-03-03T09:00:00Z', to: '2025-03-03T14:00:00Z' };
    const totals = (points: { opens: number; clicks: number }[] | undefined) => points?.map((point) => point.opens + point.clicks);
    const mine = await gql(t.url, TimelineDocument, { range, granularity: 'HOUR' }, partner);
    expect(totals(mine.data?.timeline)).toEqual([0, 2, 1, 0, 1]);
    const all = await gql(t.url, CampaignTimelineDocument, { id: 'c1', range, granularity: 'HOUR' }, admin);
    expect(totals(all.data?.campaign?.timeline)).toEqual([0, 2, 1, 1, 1]);
    const partners = await gql(t.url, CampaignTimelineDocument, { id: 'c1', range, granularity: 'HOUR' }, partner);
    expect(totals(partners.data?.campaign?.timeline)).toEqual([0, 2, 1, 0, 1]);
    const template = await gql(t.url, TemplateTimelineDocument, { id: 't1', range, granularity: 'HOUR' }, admin);
    expect(totals(template.data?.template?.timeline)).toEqual([0, 2, 1, 1, 1]);
    const adHoc = await gql(t.url, TemplateTimelineDocument, { id: 'ad-hoc', range: { from: '2025-03-08T00:00:00Z', to: '2025-03-11T00:00:00Z' }, granularity: 'DAY' }, admin);
    expect(totals(adHoc.data?.template?.timeline)).toEqual([0, 1, 2]);
    const stranger = await gql(t.url, TimelineDocument, { range, granularity: 'HOUR' }, await tokenFor(uniqueOrg(), 'boss', 'admin'));
    expect(totals(stranger.data?.timeline)).toEqual([0, 0, 0, 0, 0]);
  });

  it('starts at the first visible send when the range has no start', async () => {
    const result = await gql(t.url, CampaignTimelineDocument, { id: 'c3', range: { to: '2025-06-11T00:00:00Z' }, granularity: 'HOUR' }, admin);
    const points = result.data?.campaign?.timeline ?? [];
    expect(points[0].at).toBe(at('2025-06-10T08:00:00Z'));
    expect(points).toHaveLength(16);
    expect(points.reduce((sum, point) => sum + point.opens, 0)).toBe(4);
    const before = await gql(t.url, CampaignTimelineDocument, { id: 'c3', range: { to: '2025-06-10T08:00:00Z' } }, admin);
    expect(before.data?.campaign?.timeline).toEqual([]);
  });

  it('allows 2,000 points and refuses more, an unknown time zone and a bare offset', async () => {
    const from = Date.parse('2025-01-01T00:00:00Z');
    const range = (hours: number) => ({ from: new Date(from).toISOString(), to: new Date(from + hours * HOUR).toISOString() });
    expect((await gql(t.url, TimelineDocument, { range: range(2000), granularity: 'HOUR' }, admin)).data?.timeline).toHaveLength(2000);
    const over = await gql(t.url, TimelineDocument, { range: range(2000.5), granularity: 'HOUR' }, admin);
    expect(errorCodes(over)).toEqual(['BAD_USER_INPUT']);
    expect(over.errors?.[0].message).toMatch(/more than 2000 hours/);
    const days = await gql(t.url, TimelineDocument, { range: { from: '2000-01-01T00:00:00Z', to: '2010-01-01T00:00:00Z' }, granularity: 'DAY' }, admin);
    expect(errorCodes(days)).toEqual(['BAD_USER_INPUT']);
    for (const timeZone of ['Mars/Olympus_Mons', '+05:30', '', 'Europe/Paris; DROP TABLE sends']) {
      const result = await gql(t.url, TimelineDocument, { range: range(5), timeZone }, admin);
      expect({ timeZone, codes: errorCodes(result) }).toEqual({ timeZone, codes: ['BAD_USER_INPUT'] });
    }
  });
});
