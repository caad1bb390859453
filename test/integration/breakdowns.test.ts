// Breakdowns by mailbox provider and recipient domain (contract section 13),
// end to end: emails instrumented through the API, opened and clicked through
// the real routes; every breakdown adds up to the view's sends, each row
// equals a count over the sends, and erasure and pruning change no figure.
import { CampaignBreakdownDocument, OverviewBreakdownDocument, TemplateBreakdownDocument, type BreakdownDimension } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql } from '../support/graphql-client';
import { TRACKING_ORIGIN } from '../support/instrument';
import { addClientBreakdownFigures } from '../../src/rollups/client-breakdown-deltas';
import { insertSends } from './stats-fixtures';
import { followLink, forget, openPixel, sendTrackedEmail, type TrackedEmail } from '../support/privacy';

let t: TestApp;
const org = uniqueOrg('breakdowns');
const RANGE = { preset: 'LAST_7_DAYS' as const };
let admin: string;
let partner: string;

// Real providers, and look-alikes that must stay OTHER.
const RECIPIENTS: [string, string][] = [
  ['ada@GMail.com', 'rep-1'],
  ['bob@gmail.com', 'rep-1'],
  ['cy@googlemail.com', 'rep-2'],
  ['di@hotmail.co.uk', 'rep-2'],
  ['ed@outlook.com', 'rep-1'],
  ['fa@yahoo.example', 'rep-2'],
  ['gu@notgmail.com', 'rep-2'],
  ['ha@gmail.co', 'rep-1'],
  ['io@icloud.com', 'rep-2'],
  ['jo@web.de', 'rep-1'],
];
const sends: TrackedEmail[] = [];

/** Each row's figures counted straight from the sends, for one sender or all. */
async function directRows(by: 'mailbox_provider' | "coalesce(recipient_domain, '')", sender: string | null) {
  return t.app.db.query(
    `SELECT ${by} AS key, count(*)::int AS sends, count(*) FILTER (WHERE opens > 0 OR clicks > 0)::int AS opened,
            count(*) FILTER (WHERE clicks > 0)::int AS clicked, sum(opens)::int AS opens, sum(clicks)::int AS clicks
     FROM sends WHERE org_id = $1 AND tracked AND ($2::text IS NULL OR sender_id = $2)
     GROUP BY 1 ORDER BY 2 DESC, 1`,
    [org, sender],
  );
}

async function breakdown(token: string, by: BreakdownDimension) {
  const result = await gql(t.url, OverviewBreakdownDocument, { by, range: RANGE }, token);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

const figures = (rows: { key: string; sends: number; opened: number; clicked: number; opens: number; clicks: number }[]) =>
  rows.map(({ key, sends, opened, clicked, opens, clicks }) => ({ key, sends, opened, clicked, opens, clicks }));

beforeAll(async () => {
  // Each reader from its own address (TRUST_PROXY), so no two of them look like one scanner.
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, TRUST_PROXY: '1' });
  admin = await tokenFor(org, 'boss', 'admin');
  partner = await tokenFor(org, 'rep-1', 'partner');
  for (const [email, sender] of RECIPIENTS) {
    sends.push(await sendTrackedEmail(t, org, { recipientEmail: email, senderId: sender, campaignId: 'spring', templateId: 'tpl' }));
  }
  // Opens for some, a click for others (a click alone counts as opened).
  for (const [index, send] of sends.entries()) {
    if (index % 2 === 0) expect((await openPixel(t, send)).status).toBe(200);
    if (index % 3 === 0) expect((await followLink(t, send)).status).toBe(302);
  }
  await t.app.recorder.flush();
});
afterAll(async () => {
  await t.close();
});

describe('breakdown by mailbox provider and recipient domain', () => {
  it('fixes the provider and the lower-case domain at send time, look-alikes OTHER', async () => {
    const rows: { recipient_domain: string; mailbox_provider: string }[] = await t.app.db.query(
      `SELECT recipient_domain, mailbox_provider FROM sends WHERE org_id = $1 ORDER BY sent_at, id`,
      [org],
    );
    const byDomain = Object.fromEntries(rows.map((row) => [row.recipient_domain, row.mailbox_provider]));
    expect(byDomain).toEqual({
      'gmail.com': 'GMAIL',
      'googlemail.com': 'GMAIL',
      'hotmail.co.uk': 'OUTLOOK',
      'outlook.com': 'OUTLOOK',
      'yahoo.example': 'OTHER',
      'notgmail.com': 'OTHER',
      'gmail.co': 'OTHER',
      'icloud.com': 'APPLE',
      'web.de': 'GMX',
    });
  });

  it('adds up to the view: the sum of the rows is the overview, each row a count over the sends', async () => {
    for (const [by, column] of [['MAILBOX_PROVIDER', 'mailbox_provider'], ['RECIPIENT_DOMAIN', "coalesce(recipient_domain, '')"]] as const) {
      const data = await breakdown(admin, by);
      expect(data.breakdown.reduce((sum, row) => sum + row.sends, 0)).toBe(data.overview.sends);
      expect(data.overview.sends).toBe(RECIPIENTS.length);
      expect(figures(data.breakdown)).toEqual(await directRows(column, null));
      for (const row of data.breakdown) {
        expect(row.openRate).toBeCloseTo(row.opened / data.overview.sends, 10);
        expect(row.clickRate).toBeCloseTo(row.clicked / data.overview.sends, 10);
      }
    }
    const gmail = (await breakdown(admin, 'MAILBOX_PROVIDER')).breakdown.find((row) => row.key === 'GMAIL');
    expect(gmail).toMatchObject({ label: 'Gmail', sends: 3 });
  });

  it('a partner sees its own sends only; limit cuts the rows, largest first', async () => {
    const data = await breakdown(partner, 'MAILBOX_PROVIDER');
    expect(figures(data.breakdown)).toEqual(await directRows('mailbox_provider', 'rep-1'));
    expect(data.breakdown.reduce((sum, row) => sum + row.sends, 0)).toBe(5);
    const limited = await gql(t.url, OverviewBreakdownDocument, { by: 'RECIPIENT_DOMAIN', range: RANGE, limit: 2 }, admin);
    expect(limited.data!.breakdown.map((row) => row.key)).toEqual(['gmail.com', 'gmail.co']);
    for (const limit of [0, 101]) {
      expect(errorCodes(await gql(t.url, OverviewBreakdownDocument, { by: 'MAILBOX_PROVIDER', range: RANGE, limit }, admin))).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('campaigns and templates have their breakdown, equal to the whole view here', async () => {
    const whole = (await breakdown(admin, 'MAILBOX_PROVIDER')).breakdown;
    const campaign = await gql(t.url, CampaignBreakdownDocument, { id: 'spring', by: 'MAILBOX_PROVIDER', range: RANGE }, admin);
    expect(campaign.data!.campaign!.breakdown).toEqual(whole);
    const template = await gql(t.url, TemplateBreakdownDocument, { id: 'tpl', by: 'MAILBOX_PROVIDER', range: RANGE }, admin);
    expect(template.data!.template!.breakdown).toEqual(whole);
    const none = await gql(t.url, CampaignBreakdownDocument, { id: 'spring', by: 'MAILBOX_PROVIDER', range: RANGE }, await tokenFor(uniqueOrg('stranger'), 'x', 'admin'));
    expect(none.data!.campaign).toBeNull();
  });

  it('no token, no breakdown', async () => {
    expect(errorCodes(await gql(t.url, OverviewBreakdownDocument, { by: 'MAILBOX_PROVIDER', range: RANGE }))).toEqual(['UNAUTHENTICATED']);
  });

  it('erasure clears the domain and keeps the provider; pruning raw events changes no figure', async () => {
    const before = {
      providers: (await breakdown(admin, 'MAILBOX_PROVIDER')).breakdown,
      domains: (await breakdown(admin, 'RECIPIENT_DOMAIN')).breakdown,
    };
    const erased = sends[0]!;
    expect((await forget(t, org, erased.contactId)).errors).toBeUndefined();
    const [row]: { recipient_domain: string | null; mailbox_provider: string; recipient_email: string }[] = await t.app.db.query(
      `SELECT recipient_domain, mailbox_provider, recipient_email FROM sends WHERE org_id = $1 AND id = $2`,
      [org, erased.sendId],
    );
    expect(row).toEqual({ recipient_domain: null, mailbox_provider: 'GMAIL', recipient_email: '' });
    await t.app.db.query(`DELETE FROM tracking_events WHERE org_id = $1`, [org]);

    expect((await breakdown(admin, 'MAILBOX_PROVIDER')).breakdown).toEqual(before.providers);
    const domains = (await breakdown(admin, 'RECIPIENT_DOMAIN')).breakdown;
    expect(figures(domains)).toEqual(await directRows("coalesce(recipient_domain, '')", null));
    const erasedRow = domains.find((domain) => domain.key === '');
    expect(erasedRow).toMatchObject({ label: 'Erased addresses', sends: 1 });
    const gmailBefore = before.domains.find((domain) => domain.key === 'gmail.com')!;
    const gmailAfter = domains.find((domain) => domain.key === 'gmail.com')!;
    expect(gmailAfter.sends).toBe(gmailBefore.sends - 1);
    expect(domains.reduce((sum, domain) => sum + domain.sends, 0)).toBe(RECIPIENTS.length);
  });
});

describe('breakdown by mail client and device', () => {
  const clientOrg = uniqueOrg('breakdown-clients');
  let clientAdmin: string;
  let clientPartner: string;

  /** Per-send client counters as the event writer keeps them: [send index, client, device, opens, clicks, MPP opens]. */
  const COUNTERS: [number, string, string, number, number, number][] = [
    [0, 'APPLE_MPP', 'PROXY', 2, 0, 2],
    [0, 'APPLE_MAIL', 'MOBILE', 1, 1, 0],
    [1, 'APPLE_MPP', 'PROXY', 1, 0, 1],
    [2, 'GMAIL', 'PROXY', 3, 0, 0],
    [2, 'WEBMAIL_BROWSER', 'DESKTOP', 0, 2, 0],
    [3, 'OUTLOOK', 'DESKTOP', 1, 0, 0],
    [3, 'OUTLOOK', 'MOBILE', 1, 0, 0],
    // Taken back to nothing (a machine after all): no row of the breakdown.
    [4, 'WEBMAIL_BROWSER', 'DESKTOP', 0, 0, 0],
  ];

  beforeAll(async () => {
    clientAdmin = await tokenFor(clientOrg, 'boss', 'admin');
    clientPartner = await tokenFor(clientOrg, 'rep-1', 'partner');
    const now = Date.now();
    // Each send's own counters are the sum of its clients', as the writer keeps both.
    const sum = (send: number, column: 3 | 4 | 5) => COUNTERS.filter((row) => row[0] === send).reduce((total, row) => total + row[column], 0);
    const ids = await insertSends(
      t.app.db,
      clientOrg,
      Array.from({ length: 6 }, (_, index) => ({
        sentAt: new Date(now - (index + 1) * 60_000),
        sender: index % 2 === 0 ? 'rep-1' : 'rep-2',
        campaign: 'c1',
        opens: sum(index, 3),
        clicks: sum(index, 4),
        mppOpens: sum(index, 5),
      })),
    );
    await t.app.db.query(
      `INSERT INTO send_clients (org_id, send_id, client, device, opens, clicks, mpp_opens)
       SELECT $1, id, client, device, opens, clicks, mpp FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[])
         AS c(id, client, device, opens, clicks, mpp)`,
      [clientOrg, ...[0, 1, 2, 3, 4, 5].map((column) => COUNTERS.map((row) => (column === 0 ? ids[row[0]] : row[column])))],
    );
    // What the event writer adds to the organisation's client rollups when it moves these counters.
    await addClientBreakdownFigures(t.app.db.manager, clientOrg, ids, 1);
  });

  /** The rows computed the obvious way from the counters, over the sends one sender (or everyone) sent. */
  function expectedRows(column: 1 | 2, senders: number[]) {
    const rows = new Map<string, { sends: Set<number>; opened: Set<number>; clicked: Set<number>; human: Set<number>; opens: number; clicks: number; mppOpens: number }>();
    for (const [send, client, device, opens, clicks, mpp] of COUNTERS) {
      if (!senders.includes(send) || opens + clicks === 0) continue;
      const key = column === 1 ? client : device;
      const row = rows.get(key) ?? { sends: new Set(), opened: new Set(), clicked: new Set(), human: new Set(), opens: 0, clicks: 0, mppOpens: 0 };
      row.sends.add(send);
      if (opens > 0) row.opened.add(send);
      if (clicks > 0) row.clicked.add(send);
      if (opens > mpp || clicks > 0) row.human.add(send);
      Object.assign(row, { opens: row.opens + opens, clicks: row.clicks + clicks, mppOpens: row.mppOpens + mpp });
      rows.set(key, row);
    }
    const viewSends = senders.length;
    return [...rows.entries()]
      .map(([key, row]) => ({
        key,
        sends: row.sends.size,
        opened: row.opened.size,
        clicked: row.clicked.size,
        openRate: row.opened.size / viewSends,
        clickRate: row.clicked.size / viewSends,
        humanOpenRate: row.human.size / viewSends,
        opens: row.opens,
        clicks: row.clicks,
        mppOpens: row.mppOpens,
      }))
      .sort((a, b) => b.sends - a.sends || (a.key < b.key ? -1 : 1));
  }

  const withoutLabels = (rows: { label: string }[]) => rows.map(({ label: _label, ...rest }) => rest);

  it('groups the per-send client counters of the view, rates over all its sends', async () => {
    for (const [by, column] of [['EMAIL_CLIENT', 1], ['DEVICE', 2]] as const) {
      const data = await breakdown(clientAdmin, by);
      expect(withoutLabels(data.breakdown)).toEqual(expectedRows(column, [0, 1, 2, 3, 4, 5]));
    }
    const clients = (await breakdown(clientAdmin, 'EMAIL_CLIENT')).breakdown;
    expect(clients.find((row) => row.key === 'APPLE_MPP')).toMatchObject({ label: 'Apple Mail Privacy Protection (proxy)', sends: 2, mppOpens: 3, humanOpenRate: 0 });
    const devices = (await breakdown(clientAdmin, 'DEVICE')).breakdown;
    expect(devices.find((row) => row.key === 'PROXY')).toMatchObject({ label: 'Mail provider proxy', sends: 3 });
  });

  it("a partner's view holds its own sends, and a campaign's is its own", async () => {
    const data = await breakdown(clientPartner, 'EMAIL_CLIENT');
    expect(withoutLabels(data.breakdown)).toEqual(expectedRows(1, [0, 2, 4]));
    const campaign = await gql(t.url, CampaignBreakdownDocument, { id: 'c1', by: 'DEVICE', range: RANGE }, clientAdmin);
    expect(withoutLabels(campaign.data!.campaign!.breakdown)).toEqual(expectedRows(2, [0, 1, 2, 3, 4, 5]));
  });
});
