// The headline figures count tracked sends only (contract section 5): sends
// made untracked (plain text, consent declined, tracking off) are counted in
// untrackedSends and nowhere else; a click alone makes a send opened; machine
// events are counted apart. Everything goes through the real instrumentEmail,
// pixel and redirect, per role and range, and survives a prune.
import { CampaignsDocument, OverviewDocument, TemplatesDocument, type InstrumentEmailInput } from '../generated/graphql';
import { pruneRawEvents } from '../../src/retention/prune';
import { moveSends } from '../../src/rollups/move-sends';
import { serveApp, tokenFor, type ServedApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { clickTokens, emailInput, instrument, PIXEL_URL, TRACKING_ORIGIN } from '../support/instrument';
import { APPLE_PROXY, BROWSER, fetchPixel, followLink, SLACKBOT, startScratchApp, type ScratchApp } from '../support/scratch-app';

const ORG = 'org-tracked-figures';
const DAY = 86_400_000;
let t: ScratchApp;
let trackingOff: ServedApp;
let admin: string;
let partner: string;

interface Engagement {
  opens?: string[];
  clicks?: string[];
}

/** Instruments through `through` and makes the requests a mail client would. */
async function send(through: ServedApp, input: Partial<InstrumentEmailInput>, engagement: Engagement = {}): Promise<string> {
  const service = await tokenFor(ORG, 'crm', 'service');
  const result = await instrument(through.url, service, emailInput({ campaignId: 'mix', templateId: 'welcome', ...input }));
  const email = result.data!.instrumentEmail;
  const html = email.html ?? '';
  const pixel = [...html.matchAll(PIXEL_URL)].map((match) => match[1]!)[0];
  const [link] = clickTokens(html);
  for (const userAgent of engagement.opens ?? []) await fetchPixel(t.url, pixel!, { userAgent });
  for (const userAgent of engagement.clicks ?? []) await followLink(t.url, link!, { userAgent });
  return email.sendId;
}

beforeAll(async () => {
  t = await startScratchApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN });
  trackingOff = await serveApp(t.scratch.db, { DATABASE_URL: t.scratch.url, PUBLIC_BASE_URL: TRACKING_ORIGIN, EMAIL_TRACKING_ENABLED: 'false' });
  admin = await tokenFor(ORG, 'boss', 'admin');
  partner = await tokenFor(ORG, 'rep-1', 'partner');
  // Tracked: a person's open and click; an MPP open only; a click only (images blocked); machines only; nothing.
  await send(t, { senderId: 'rep-1' }, { opens: [BROWSER], clicks: [BROWSER] });
  const mppOnly = await send(t, { senderId: 'rep-1' }, { opens: [APPLE_PROXY] });
  await send(t, { senderId: 'rep-2' }, { clicks: [BROWSER] });
  await send(t, { senderId: 'rep-2' }, { opens: [SLACKBOT], clicks: [SLACKBOT] });
  await send(t, { senderId: 'rep-1' });
  // Untracked: plain text, consent declined, tracking off; and a campaign of plain text only.
  const plain = await send(t, { senderId: 'rep-1', html: null });
  await send(t, { senderId: 'rep-2', trackingConsent: false });
  await send(trackingOff, { senderId: 'rep-1' });
  await send(t, { senderId: 'rep-2', html: null, campaignId: 'plain-only', templateId: null });
  await t.app.recorder.flush();
  // Two of them were sent 40 days ago: outside LAST_30_DAYS.
  await moveSends(t.scratch.db, ORG, [mppOnly, plain], { sentAt: new Date(Date.now() - 40 * DAY) });
});
afterAll(async () => {
  await trackingOff?.close();
  await t?.close();
});

const expectStats = (figures: Record<string, unknown>) => expect.objectContaining(figures);

describe('tracked and untracked sends', () => {
  it('rates count tracked sends only, untrackedSends the rest (admin, all time)', async () => {
    const result = await gql(t.url, OverviewDocument, { range: { preset: 'ALL_TIME' } }, admin);
    expect(result.errors).toBeUndefined();
    expect(result.data?.overview).toEqual({
      sends: 5, untrackedSends: 4, opened: 3, clicked: 2, failed: 0, opens: 2, clicks: 2, mppOpens: 1, botOpens: 1, botClicks: 1,
      openRate: 3 / 5, clickRate: 2 / 5, humanOpenRate: 2 / 5, mppShare: 1 / 2, clickToOpenRate: 2 / 3,
      lastSentAt: expect.any(String),
    });
  });

  it('follows the range: the sends of 40 days ago are outside LAST_30_DAYS', async () => {
    const result = await gql(t.url, OverviewDocument, { range: { preset: 'LAST_30_DAYS' } }, admin);
    expect(result.data?.overview).toEqual(
      expectStats({ sends: 4, untrackedSends: 3, opened: 2, clicked: 2, opens: 1, mppOpens: 0, humanOpenRate: 2 / 4, clickToOpenRate: 1, mppShare: 0 }),
    );
    const old = { from: new Date(Date.now() - 45 * DAY).toISOString(), to: new Date(Date.now() - 35 * DAY).toISOString() };
    const then = await gql(t.url, OverviewDocument, { range: old }, admin);
    expect(then.data?.overview).toEqual(expectStats({ sends: 1, untrackedSends: 1, opened: 1, humanOpenRate: 0, mppShare: 1 }));
  });

  it('gives a partner the same figures over its own sends', async () => {
    const result = await gql(t.url, OverviewDocument, { range: { preset: 'ALL_TIME' } }, partner);
    expect(result.data?.overview).toEqual(
      expectStats({
        sends: 3, untrackedSends: 2, opened: 2, clicked: 1, opens: 2, mppOpens: 1, clicks: 1, botOpens: 0, botClicks: 0,
        openRate: 2 / 3, humanOpenRate: 1 / 3, clickToOpenRate: 1 / 2,
      }),
    );
    const recent = await gql(t.url, OverviewDocument, { range: { preset: 'LAST_30_DAYS' } }, partner);
    expect(recent.data?.overview).toEqual(expectStats({ sends: 2, untrackedSends: 1, opened: 1, clicked: 1, humanOpenRate: 1 / 2 }));
  });

  it('lists a campaign whose sends are all untracked, with zero rates', async () => {
    const result = await gql(t.url, CampaignsDocument, { range: { preset: 'ALL_TIME' } }, admin);
    const rows = Object.fromEntries((result.data?.campaigns ?? []).map((row) => [row.id, row.stats]));
    expect(Object.keys(rows).sort()).toEqual(['mix', 'plain-only']);
    expect(rows['plain-only']).toEqual(
      expectStats({ sends: 0, untrackedSends: 1, openRate: 0, clickToOpenRate: null, mppShare: null, lastSentAt: expect.any(String) }),
    );
    expect(rows.mix).toEqual(expectStats({ sends: 5, untrackedSends: 3, botOpens: 1, botClicks: 1 }));
    const templates = await gql(t.url, TemplatesDocument, { range: { preset: 'ALL_TIME' } }, partner);
    expect(templates.data?.templates.map((row) => [row.id, row.stats.sends, row.stats.untrackedSends])).toEqual([['welcome', 3, 2]]);
  });

  it('gives the same figures after the raw events are pruned', async () => {
    const snapshot = async () =>
      Promise.all(
        [admin, partner].flatMap((token) =>
          [{ preset: 'ALL_TIME' as const }, { preset: 'LAST_30_DAYS' as const }].flatMap((range) => [
            gql(t.url, OverviewDocument, { range }, token),
            gql(t.url, CampaignsDocument, { range }, token),
            gql(t.url, TemplatesDocument, { range }, token),
          ]),
        ),
      );
    const before = await snapshot();
    const result = await pruneRawEvents(t.scratch.db, 1, new Date(Date.now() + 2 * DAY));
    expect(result.deleted).toBe(6);
    expect(await snapshot()).toEqual(before);
  });
});
