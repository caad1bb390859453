// The Stats page's readers (contract section 13) and "who clicked this link",
// in Debian's Chromium against the real server: emails instrumented through
// the API with a named call to action, opened and clicked through the real
// routes; the client counters as the event writer keeps them.
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { launchChromium, textsOf, watchedPage } from '../support/browser';
import { addClientBreakdownFigures } from '../../src/rollups/client-breakdown-deltas';
import { TRACKING_ORIGIN } from '../support/instrument';
import { followLink, openPixel, sendTrackedEmail, type TrackedEmail } from '../support/privacy';

const BOM = '\uFEFF';
const RECIPIENTS = ['ada@gmail.com', 'bob@gmail.com', 'cy@gmail.com', 'di@outlook.com', 'ed@icloud.com', 'fa@acme.example'];
const html = (index: number) =>
  `<html><body><a data-track-name="Buy now" href="https://shop.example/p?c=${index}">Buy</a> <a href="https://shop.example/terms">Terms</a></body></html>`;

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let owner: string;
let problems: string[];
const orgId = uniqueOrg('stats-readers');
const sends: TrackedEmail[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  app = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, TRUST_PROXY: '1' });
  owner = await tokenFor(orgId, 'olivia', 'owner');
  await app.app.db.query(`INSERT INTO campaigns (org_id, id, name) VALUES ($1, 'spring', 'Spring sale')`, [orgId]);
  for (const [index, recipientEmail] of RECIPIENTS.entries()) {
    sends.push(await sendTrackedEmail(app, orgId, { recipientEmail, html: html(index), senderId: 'olivia', campaignId: 'spring' }));
  }
  for (const index of [0, 1, 3]) expect((await openPixel(app, sends[index]!)).status).toBe(200);
  for (const index of [1, 4]) expect((await followLink(app, sends[index]!, 0)).status).toBe(302);
  await app.app.recorder.flush();
  // The clients the event writer credits those events to.
  const counters: [number, string, string, number, number, number][] = [
    [0, 'APPLE_MPP', 'PROXY', 1, 0, 1],
    [1, 'GMAIL', 'PROXY', 1, 0, 0],
    [1, 'WEBMAIL_BROWSER', 'DESKTOP', 0, 1, 0],
    [3, 'OUTLOOK', 'DESKTOP', 1, 0, 0],
    [4, 'APPLE_MAIL', 'MOBILE', 0, 1, 0],
  ];
  // The organisation's client rollups follow the counters, as the event writer keeps both: out before, back after.
  const ids = sends.map((send) => send.sendId);
  await addClientBreakdownFigures(app.app.db.manager, orgId, ids, -1);
  await app.app.db.query(
    `INSERT INTO send_clients (org_id, send_id, client, device, opens, clicks, mpp_opens)
     SELECT $1, id, client, device, opens, clicks, mpp FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[])
       AS c(id, client, device, opens, clicks, mpp)`,
    [orgId, ...[0, 1, 2, 3, 4, 5].map((column) => counters.map((row) => (column === 0 ? sends[row[0]]!.sendId : row[column])))],
  );  await addClientBreakdownFigures(app.app.db.manager, orgId, ids, 1);

});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  problems = [];
});

afterEach(async () => {
  await context.close();
});

async function openStats(): Promise<Page> {
  const page = await watchedPage(context, app.url, problems);
  await page.goto(`${app.url}/stats#token=${owner}`);
  await page.locator('#providers-table tbody tr[data-key]').first().waitFor();
  return page;
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = (await Promise.all([page.waitForEvent('download'), click()])) as [Download, void];
  return { name: download.suggestedFilename(), text: await readFile((await download.path())!, 'utf8') };
}

test('the view shows its providers and clients, a bar per row, MPP in the client table, each with its CSV', async () => {
  const page = await openStats();
  const rows = page.locator('#readers #providers-table tbody tr');
  expect(await rows.locator('th').allTextContents()).toEqual(['Gmail', 'iCloud Mail', 'Other', 'Outlook.com']);
  expect(await rows.first().locator('td').allTextContents()).toEqual(['3', '33.3%', '16.7%', '33.3%']);
  // The largest row's bar fills its cell; a third as many sends, a third of the bar.
  const widths = await rows.locator('.bar').evaluateAll((bars) => bars.map((bar) => (bar as unknown as { style: { width: string } }).style.width));
  expect(widths).toEqual(['100%', '33%', '33%', '33%']);

  const clients = page.locator('#readers #clients-table tbody tr');
  await clients.first().waitFor();
  expect(await textsOf(page, '#readers #clients-table thead th')).toEqual(['Mail client', 'Sends', 'Open rate', 'Click rate', 'Human open rate', 'MPP opens']);
  const mpp = page.locator('#readers #clients-table tr.is-mpp');
  expect(await mpp.locator('th').textContent()).toBe('Apple Mail Privacy Protection (proxy)');
  expect(await mpp.locator('td').allTextContents()).toEqual(['1', '16.7%', '0.0%', '0.0%', '1']);

  const providersCsv = await downloaded(page, () => page.locator('#readers #providers-csv').click());
  expect(providersCsv.name).toBe('providers-all-last-30-days.csv');
  expect(providersCsv.text.split('\r\n').slice(0, 2)).toEqual([
    `${BOM}Provider,Key,Sends,Opened,Clicked,Open rate,Click rate,Human open rate,Opens,Clicks,MPP opens`,
    'Gmail,GMAIL,3,2,1,0.3333333333333333,0.16666666666666666,0.3333333333333333,2,1,0',
  ]);
  const clientsCsv = await downloaded(page, () => page.locator('#readers #clients-csv').click());
  expect(clientsCsv.text).toContain('\r\nApple Mail Privacy Protection (proxy),APPLE_MPP,1,1,0,0.16666666666666666,0,0,1,0,1\r\n');
  expect(problems).toEqual([]);
});

test("a drilled-down row has its own readers, and each link opens who clicked it", async () => {
  const page = await openStats();
  await page.getByRole('button', { name: 'Spring sale', exact: true }).click();
  await page.locator('#detail-breakdowns #providers-table tbody tr[data-key]').first().waitFor();
  expect(await page.locator('#detail-breakdowns #providers-table tbody th').allTextContents()).toEqual(['Gmail', 'iCloud Mail', 'Other', 'Outlook.com']);

  // The named call to action is one row, its first URL under the name.
  const links = page.locator('#detail table', { has: page.locator('caption', { hasText: 'Clicks per link' }) });
  await expect(links.locator('tbody tr').first().locator('th').textContent()).resolves.toBe('Buy nowhttps://shop.example/p?c=0');
  await page.getByRole('button', { name: 'Who clicked Buy now' }).click();
  await page.locator('#recipients-heading', { hasText: 'Who clicked “Buy now”' }).waitFor();
  await page.locator('#recipients tbody tr th', { hasText: 'ed@icloud.com' }).waitFor();
  expect(await textsOf(page, '#recipients tbody tr th')).toEqual(['ed@icloud.com', 'bob@gmail.com']);
  const clickers = await downloaded(page, () => page.locator('#recipients-csv').click());
  expect(clickers.name).toBe('recipients-spring-sale-clicked-buy-now-last-30-days.csv');
  expect(clickers.text.split('\r\n').filter((line) => line !== '').length).toBe(3);

  await page.locator('#recipients-all').click();
  await page.locator('#recipients-heading', { hasText: /^Recipients$/ }).waitFor();
  await page.locator('#recipients caption', { hasText: 'Recipients 1–6' }).waitFor();
  expect(problems).toEqual([]);
});
