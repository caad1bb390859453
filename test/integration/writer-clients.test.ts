// The writer's client step (contract section 13) end to end: real pixel and
// redirect requests, the recorder, the writer parsing each counted event's
// user agent, send_clients moved in the same transaction, and
// breakdown(by: EMAIL_CLIENT / DEVICE) reading them. Proxies are their own
// rows; a reclassification (BURST) takes the figures back from the client
// that had them; pruning and erasure change no figure.
import { CampaignBreakdownDocument, type BreakdownDimension } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { TRACKING_ORIGIN } from '../support/instrument';
import { eventData, jsonBody, PLATFORM_KEY, postJson } from '../support/mailgun';
import { forget, sendTrackedEmail, type TrackedEmail } from '../support/privacy';

const APPLE_MAIL = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
/** What Apple's Mail Privacy Protection proxy sends. */
const APPLE_PROXY = 'Mozilla/5.0';
const RANGE = { preset: 'LAST_7_DAYS' as const };

let t: TestApp;
const org = uniqueOrg('writer-clients');
let admin: string;

function hit(path: string, ip: string, userAgent: string, headers: Record<string, string> = {}): Promise<ArrayBuffer> {
  return fetch(`${t.url}${path}`, { redirect: 'manual', headers: { 'user-agent': userAgent, 'x-forwarded-for': ip, ...headers } }).then((r) => r.arrayBuffer());
}
const open = (send: TrackedEmail, ip: string, userAgent: string) => hit(`/track/open/${send.openToken}.gif`, ip, userAgent);
const click = (send: TrackedEmail, position: number, ip: string, userAgent: string) => hit(`/track/click/${send.clickTokens[position]}`, ip, userAgent);
const flush = () => t.app.recorder.flush();

async function breakdown(campaign: string, by: BreakdownDimension) {
  const result = await gql(t.url, CampaignBreakdownDocument, { id: campaign, by, range: RANGE }, admin);
  expect(result.errors).toBeUndefined();
  return result.data!.campaign!.breakdown.map(({ key, sends, opened, clicked, opens, clicks, mppOpens }) => ({ key, sends, opened, clicked, opens, clicks, mppOpens }));
}

/** The send's client counters, and the same counted over its raw events by their stored client. */
async function countersAndRaw(send: TrackedEmail) {
  const counters = await t.app.db.query(
    `SELECT client, device, opens, clicks, mpp_opens FROM send_clients WHERE org_id = $1 AND send_id = $2 AND (opens, clicks, mpp_opens) <> (0, 0, 0) ORDER BY 1, 2`,
    [org, send.sendId],
  );
  const raw = await t.app.db.query(
    `SELECT client, device, (count(*) FILTER (WHERE kind = 'OPEN'))::int AS opens, (count(*) FILTER (WHERE kind = 'CLICK'))::int AS clicks,
            (count(*) FILTER (WHERE kind = 'OPEN' AND mpp))::int AS mpp_opens
     FROM tracking_events WHERE org_id = $1 AND send_id = $2 AND counted GROUP BY 1, 2 ORDER BY 1, 2`,
    [org, send.sendId],
  );
  return { counters, raw };
}

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, TRUST_PROXY: '1', MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY });
  admin = await tokenFor(org, 'boss', 'admin');
});
afterAll(async () => {
  await t.close();
});

it('credits a real open from Apple Mail and a click from Chrome to their client and device, parsed when written', async () => {
  const reader = await sendTrackedEmail(t, org, { campaignId: 'people' });
  const clicker = await sendTrackedEmail(t, org, { campaignId: 'people' });
  await open(reader, '192.0.2.1', APPLE_MAIL);
  await open(reader, '192.0.2.1', APPLE_MAIL); // a collapsed repeat: counted once
  await click(clicker, 0, '192.0.2.2', CHROME);
  await flush();

  expect(await breakdown('people', 'EMAIL_CLIENT')).toEqual([
    { key: 'APPLE_MAIL', sends: 1, opened: 1, clicked: 0, opens: 1, clicks: 0, mppOpens: 0 },
    { key: 'WEBMAIL_BROWSER', sends: 1, opened: 0, clicked: 1, opens: 0, clicks: 1, mppOpens: 0 },
  ]);
  expect(await breakdown('people', 'DEVICE')).toEqual([{ key: 'DESKTOP', sends: 2, opened: 1, clicked: 1, opens: 1, clicks: 1, mppOpens: 0 }]);
  // Each client's counters are a count over the raw events, which keep the client they were credited to.
  for (const send of [reader, clicker]) {
    const { counters, raw } = await countersAndRaw(send);
    expect(counters).toEqual(raw);
  }
  expect((await countersAndRaw(reader)).raw).toEqual([{ client: 'APPLE_MAIL', device: 'DESKTOP', opens: 1, clicks: 0, mpp_opens: 0 }]);
});

it('names the Android mail app a WebView gives only in X-Requested-With, carried through the journal to the writer', async () => {
  // Samsung Email's UA is any Android WebView's; the app is named in the header alone.
  const webView = 'Mozilla/5.0 (Linux; Android 13; SM-A146P Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/115.0.5790.166 Mobile Safari/537.36';
  const samsung = await sendTrackedEmail(t, org, { campaignId: 'android' });
  const plain = await sendTrackedEmail(t, org, { campaignId: 'android' });
  await hit(`/track/open/${samsung.openToken}.gif`, '192.0.2.30', webView, { 'x-requested-with': 'com.samsung.android.email.provider' });
  await hit(`/track/open/${plain.openToken}.gif`, '192.0.2.31', webView, { 'x-requested-with': 'XMLHttpRequest' });
  await flush();
  expect(await breakdown('android', 'EMAIL_CLIENT')).toEqual([
    { key: 'SAMSUNG_EMAIL', sends: 1, opened: 1, clicked: 0, opens: 1, clicks: 0, mppOpens: 0 },
    { key: 'WEBMAIL_BROWSER', sends: 1, opened: 1, clicked: 0, opens: 1, clicks: 0, mppOpens: 0 },
  ]);
  expect(await breakdown('android', 'DEVICE')).toEqual([{ key: 'MOBILE', sends: 2, opened: 2, clicked: 0, opens: 2, clicks: 0, mppOpens: 0 }]);
});

it("takes a webhook open's device from Mailgun's client-info when the user agent does not say", async () => {
  const send = await sendTrackedEmail(t, org, { campaignId: 'webhook-device' });
  const opened = eventData('opened', { sendId: send.sendId, orgId: org, ip: '198.51.100.81', timestamp: Date.now() / 1000, userAgent: 'Mozilla/5.0 (KHTML, like Gecko)' });
  (opened['client-info'] as Record<string, unknown>)['device-type'] = 'tablet';
  expect((await postJson(t.url, jsonBody(PLATFORM_KEY, opened))).status).toBe(200);
  expect(await breakdown('webhook-device', 'DEVICE')).toEqual([{ key: 'TABLET', sends: 1, opened: 1, clicked: 0, opens: 1, clicks: 0, mppOpens: 0 }]);
});

it("counts an Apple MPP open as Apple's proxy, device PROXY, never UNKNOWN", async () => {
  const send = await sendTrackedEmail(t, org, { campaignId: 'mpp' });
  await open(send, '17.58.0.1', APPLE_PROXY);
  await flush();
  expect(await breakdown('mpp', 'EMAIL_CLIENT')).toEqual([{ key: 'APPLE_MPP', sends: 1, opened: 1, clicked: 0, opens: 1, clicks: 0, mppOpens: 1 }]);
  expect(await breakdown('mpp', 'DEVICE')).toEqual([{ key: 'PROXY', sends: 1, opened: 1, clicked: 0, opens: 1, clicks: 0, mppOpens: 1 }]);
});

it('takes a BURST flip back from the client that had the figures, not from the burst', async () => {
  const send = await sendTrackedEmail(t, org, { campaignId: 'burst' });
  await open(send, '192.0.2.9', CHROME);
  await flush();
  expect(await breakdown('burst', 'EMAIL_CLIENT')).toEqual([{ key: 'WEBMAIL_BROWSER', sends: 1, opened: 1, clicked: 0, opens: 1, clicks: 0, mppOpens: 0 }]);
  // Two links from the same address within 5 s: its clicks and its open before are a scanner's.
  await click(send, 0, '192.0.2.9', APPLE_MAIL);
  await click(send, 1, '192.0.2.9', APPLE_MAIL);
  await flush();
  const { counters, raw } = await countersAndRaw(send);
  expect(raw).toEqual([]);
  expect(counters).toEqual([]);
  expect(await breakdown('burst', 'EMAIL_CLIENT')).toEqual([]);
  const [row]: { opens: number }[] = await t.app.db.query(
    `SELECT opens FROM send_clients WHERE org_id = $1 AND send_id = $2 AND client = 'WEBMAIL_BROWSER'`,
    [org, send.sendId],
  );
  expect(row).toEqual({ opens: 0 });
});

it("moves a webhook open the pixel's open takes back from the webhook's client to the pixel's", async () => {
  const send = await sendTrackedEmail(t, org, { campaignId: 'take-back' });
  const opened = eventData('opened', { sendId: send.sendId, orgId: org, ip: '198.51.100.80', timestamp: Date.now() / 1000, userAgent: CHROME });
  expect((await postJson(t.url, jsonBody(PLATFORM_KEY, opened))).status).toBe(200);
  expect(await breakdown('take-back', 'EMAIL_CLIENT')).toEqual([{ key: 'WEBMAIL_BROWSER', sends: 1, opened: 1, clicked: 0, opens: 1, clicks: 0, mppOpens: 0 }]);
  await open(send, '203.0.113.80', APPLE_MAIL);
  await flush();
  expect(await breakdown('take-back', 'EMAIL_CLIENT')).toEqual([{ key: 'APPLE_MAIL', sends: 1, opened: 1, clicked: 0, opens: 1, clicks: 0, mppOpens: 0 }]);
  const { counters, raw } = await countersAndRaw(send);
  expect(counters).toEqual(raw);
});

it('keeps every client figure after the raw events are pruned and the contact erased', async () => {
  const before = { clients: await breakdown('people', 'EMAIL_CLIENT'), devices: await breakdown('people', 'DEVICE') };
  expect(before.clients.map((row) => row.key)).toEqual(['APPLE_MAIL', 'WEBMAIL_BROWSER']);
  const [reader]: { contact_id: string }[] = await t.app.db.query(`SELECT contact_id FROM sends WHERE org_id = $1 AND campaign_id = 'people' LIMIT 1`, [org]);
  expect((await forget(t, org, reader!.contact_id)).errors).toBeUndefined();
  await t.app.db.query(`DELETE FROM tracking_events WHERE org_id = $1`, [org]);
  expect(await breakdown('people', 'EMAIL_CLIENT')).toEqual(before.clients);
  expect(await breakdown('people', 'DEVICE')).toEqual(before.devices);
});
