// The Stats page in a real browser (Debian's Chromium through playwright-core)
// against the real server, on a small organisation whose figures are counted
// by hand below.
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PAGES_CSP } from '../../src/routes/page-files';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { launchChromium, settledText, textsOf, watchedPage } from '../support/browser';
import { addLinkFigures, addSendFigures } from '../../src/rollups/contributions';

const DAY = 86_400_000;

interface FixtureSend {
  sender: string;
  daysAgo: number;
  email: string;
  campaign?: string;
  template?: string;
  status?: 'SENT' | 'FAILED';
  opens?: number;
  mppOpens?: number;
  clicks?: number;
  links?: { url: string; clicks: number }[];
}

// Last 30 days: 5 sends (not fay's), opened 3 (ann, bob, dan) = 60.0 %, clicked
// 2 (ann, dan) = 40.0 %, 1 failed (cat). Last 90 days adds fay: 6, 66.7 %, 33.3 %.
// MPP share over 30 days: Spring teaser 1/3 (amber), Spring offer 1/1 (bold),
// Follow-up 0/1 (grey), ad-hoc no opens (dash).
const SENDS: FixtureSend[] = [
  { sender: 'pat', daysAgo: 2, email: 'ann@a.example', campaign: 'spring', template: 'spring-1', opens: 3, mppOpens: 1, clicks: 1, links: [{ url: 'https://shop.example/spring', clicks: 1 }] },
  { sender: 'pat', daysAgo: 3, email: 'bob@b.example', campaign: 'spring', template: 'spring-2', opens: 1, mppOpens: 1, links: [{ url: 'https://shop.example/offer', clicks: 0 }] },
  { sender: 'quinn', daysAgo: 5, email: 'cat@c.example', campaign: 'spring', template: 'spring-1', status: 'FAILED', links: [{ url: 'https://shop.example/spring', clicks: 0 }] },
  { sender: 'quinn', daysAgo: 10, email: 'dan@d.example', template: 'follow-up', opens: 1, clicks: 1, links: [{ url: 'https://shop.example/book', clicks: 1 }] },
  { sender: 'boss', daysAgo: 1, email: 'eve@e.example' },
  { sender: 'pat', daysAgo: 40, email: 'fay@f.example', campaign: 'spring', template: 'spring-1', opens: 1 },
];

async function seed(app: TestApp, orgId: string): Promise<void> {
  const db = app.app.db;
  await db.query(`INSERT INTO campaigns (org_id, id, name) VALUES ($1, 'spring', 'Spring sale')`, [orgId]);
  await db.query(
    `INSERT INTO templates (org_id, id, name) VALUES ($1, 'spring-1', 'Spring teaser'), ($1, 'spring-2', 'Spring offer'), ($1, 'follow-up', 'Follow-up')`,
    [orgId],
  );
  for (const send of SENDS) {
    const id = randomUUID();
    const sentAt = new Date(Date.now() - send.daysAgo * DAY);
    const opens = send.opens ?? 0;
    const clicks = send.clicks ?? 0;
    await db.query(
      `INSERT INTO sends (org_id, id, sent_at, sender_id, contact_id, recipient_email, campaign_id, template_id, tracked, tracked_links,
                          status, opens, clicks, mpp_opens, first_opened_at, last_opened_at, last_clicked_at)
       VALUES ($1, $2, $3, $4, $5, $5, $6, $7, true, $8, $9, $10, $11, $12, $13, $13, $14)`,
      [orgId, id, sentAt, send.sender, send.email, send.campaign ?? null, send.template ?? null, send.links?.length ?? 0, send.status ?? 'SENT',
        opens, clicks, send.mppOpens ?? 0, opens > 0 ? new Date(sentAt.getTime() + 3_600_000) : null, clicks > 0 ? new Date(sentAt.getTime() + 7_200_000) : null],
    );
    for (const [position, link] of (send.links ?? []).entries()) {
      await db.query(
        `INSERT INTO send_links (org_id, send_id, position, url, clicks, unique_clickers) VALUES ($1, $2, $3, $4, $5, $6)`,
        [orgId, id, position, link.url, link.clicks, Math.min(link.clicks, 1)],
      );
    }
    await addSendFigures(db.manager, orgId, [id], 1);
    await addLinkFigures(db.manager, orgId, [id], 1);
  }
}

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let orgId: string;
let ownerToken: string;
let problems: string[];

beforeAll(async () => {
  browser = await launchChromium();
  app = await startTestApp();
  orgId = uniqueOrg('stats-page');
  await seed(app, orgId);
  ownerToken = await tokenFor(orgId, 'boss', 'owner');
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  // Fixed locale and zone: the figures below are written as en-US prints them.
  context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1280, height: 800 } });
  problems = [];
});

afterEach(async () => {
  await context.close();
});

/** Opens the page; console errors and requests to any other origin are collected in `problems`. */
async function openStats(hash: string): Promise<Page> {
  const page = await watchedPage(context, app.url, problems);
  await page.goto(`${app.url}/stats${hash}`);
  return page;
}

const card = (key: string) => `[data-card="${key}"] .card-value`;
const rowNames = (page: Page) => textsOf(page, '#breakdown tbody th');
const rowCells = (page: Page, name: string) =>
  page.locator('#breakdown tbody tr', { has: page.getByRole('button', { name, exact: true }) }).locator('td');

async function expectCards(page: Page, sends: string, openRate: string, clickRate: string, failed: string): Promise<void> {
  expect(await settledText(page, card('sends'), sends)).toBe(sends);
  expect(await settledText(page, card('open-rate'), openRate)).toBe(openRate);
  expect(await settledText(page, card('click-rate'), clickRate)).toBe(clickRate);
  expect(await settledText(page, card('failed'), failed)).toBe(failed);
}

test('shows the four cards and the campaigns of the last 30 days, with the token gone from the address bar', async () => {
  const page = await openStats(`#token=${ownerToken}`);
  await expectCards(page, '5', '60.0%', '40.0%', '1');
  expect(await rowNames(page)).toEqual(['Spring sale']);
  expect(await rowCells(page, 'Spring sale').allTextContents()).toEqual(['3', '66.7%', '33.3%', '50.0%', '50.0%', expect.any(String)]);
  expect(await rowCells(page, 'Spring sale').nth(4).getAttribute('class')).toContain('mpp-high');
  expect(page.url()).toBe(`${app.url}/stats`);
  expect(await page.evaluate('sessionStorage.length')).toBe(1);
  expect(problems).toEqual([]);

  const response = await fetch(`${app.url}/stats`);
  expect(response.headers.get('content-security-policy')).toBe(PAGES_CSP);
  expect(response.headers.get('cache-control')).toBe('no-store');
});

test('serves its scripts and styles under the same policy, revalidated by ETag, and nothing else from the folder', async () => {
  const script = await fetch(`${app.url}/pages/stats.js`);
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(script.headers.get('content-security-policy')).toBe(PAGES_CSP);
  expect(script.headers.get('x-content-type-options')).toBe('nosniff');
  expect(script.headers.get('cache-control')).toBe('no-cache');
  const etag = script.headers.get('etag') ?? '';
  expect(etag).toMatch(/^"[\w-]+"$/);
  const again = await fetch(`${app.url}/pages/stats.js`, { headers: { 'if-none-match': etag } });
  expect([again.status, await again.text()]).toEqual([304, '']);
  expect((await fetch(`${app.url}/pages/pages.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  // The chart library, from node_modules under a name of ours, gzipped when asked.
  const chart = await fetch(`${app.url}/pages/uplot.js`, { headers: { 'accept-encoding': 'gzip' } });
  expect(['content-type', 'content-encoding', 'content-security-policy', 'cache-control'].map((name) => chart.headers.get(name))).toEqual([
    'text/javascript; charset=utf-8',
    'gzip',
    PAGES_CSP,
    'no-cache',
  ]);
  expect(await chart.text()).toContain('export { uPlot as default };');
  expect((await fetch(`${app.url}/pages/uplot.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  for (const path of ['/pages/uPlot.esm.js', '/node_modules/uplot/dist/uPlot.esm.js', '/pages/missing.js', '/pages/stats.html', '/pages/..%2f..%2fpackage.json', '/pages/%2e%2e/paths.ts', '/stats/app.js']) {
    expect([path, (await fetch(`${app.url}${path}`)).status]).toEqual([path, 404]);
  }
  const head = await fetch(`${app.url}/stats`, { method: 'HEAD' });
  expect([head.status, await head.text()]).toEqual([200, '']);
  const slash = await fetch(`${app.url}/stats/`, { redirect: 'manual' });
  expect([slash.status, slash.headers.get('location')]).toEqual([308, '/stats']);
});

test('flips to By template: ad-hoc is a row, and the MPP cell follows the colour rule', async () => {
  const page = await openStats(`#token=${ownerToken}`);
  await page.waitForSelector('#breakdown tbody tr[data-id]');
  await page.getByRole('button', { name: 'By template' }).click();
  expect(await settledText(page, '#breakdown-name', 'Template')).toBe('Template');
  expect(await rowNames(page)).toEqual(['Ad-hoc (no template)', 'Spring teaser', 'Spring offer', 'Follow-up']);
  const mpp = async (name: string) => {
    const cell = rowCells(page, name).nth(4);
    return [(await cell.textContent())?.trim(), await cell.getAttribute('class')];
  };
  expect(await mpp('Spring teaser')).toEqual(['33.3%', 'num mpp-mid']);
  expect(await mpp('Spring offer')).toEqual(['100.0%', 'num mpp-high']);
  expect(await mpp('Follow-up')).toEqual(['0.0%', 'num mpp-low']);
  expect(await mpp('Ad-hoc (no template)')).toEqual(['–no opens', 'num mpp-none']);
  expect(await page.getByRole('button', { name: 'By template' }).getAttribute('aria-pressed')).toBe('true');
});

test('the Range control changes every figure', async () => {
  const page = await openStats(`#token=${ownerToken}`);
  await expectCards(page, '5', '60.0%', '40.0%', '1');

  await page.selectOption('#range-preset', 'LAST_90_DAYS');
  await expectCards(page, '6', '66.7%', '33.3%', '1');
  expect(await rowCells(page, 'Spring sale').first().textContent()).toBe('4');

  await page.selectOption('#range-preset', 'LAST_7_DAYS');
  await expectCards(page, '4', '50.0%', '25.0%', '1');

  // Custom dates around fay's send, 40 days ago, and nothing else.
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);
  await page.selectOption('#range-preset', 'CUSTOM');
  await page.fill('#range-from', day(45));
  await page.fill('#range-to', day(35));
  await page.getByRole('button', { name: 'Apply' }).click();
  await expectCards(page, '1', '100.0%', '0.0%', '0');
  expect(await rowNames(page)).toEqual(['Spring sale']);
  expect(problems).toEqual([]);
});

test('a campaign drill-down shows clicks per link, per-template sub-totals and the first page of recipients', async () => {
  const page = await openStats(`#token=${ownerToken}`);
  await page.locator('#breakdown tbody tr', { hasText: 'Spring sale' }).locator('td').first().click();
  expect(await settledText(page, '#detail-heading', 'Campaign: Spring sale')).toBe('Campaign: Spring sale');
  const table = (caption: string) => page.locator('#detail table', { has: page.locator('caption', { hasText: caption }) });
  expect(await table('Clicks per link').locator('tbody tr').allInnerTexts()).toEqual([
    'https://shop.example/spring\t1\t1\tWho clicked',
    'https://shop.example/offer\t0\t0\tWho clicked',
  ]);
  expect(await table('Templates in this campaign').locator('tbody th').allTextContents()).toEqual(['Spring teaser', 'Spring offer']);
  expect(await table('Templates in this campaign').locator('tbody td').allTextContents()).toEqual(['2', '50.0%', '50.0%', '100.0%', '33.3%', '1', '100.0%', '0.0%', '0.0%', '100.0%']);
  await table('Recipients 1–3: all recipients').waitFor();
  expect(await table('Recipients 1–3').locator('tbody th').allTextContents()).toEqual(['ann@a.example', 'bob@b.example', 'cat@c.example']);
  expect(problems).toEqual([]);
});

test('keyboard: Tab reaches a row, Enter opens it, Close brings the focus back', async () => {
  const page = await openStats(`#token=${ownerToken}`);
  await page.waitForSelector('#breakdown tbody tr[data-id]');
  const focused = async () => String(await page.evaluate('document.activeElement?.className + "|" + document.activeElement?.textContent'));
  for (let presses = 0; presses < 20 && !(await focused()).startsWith('row-button'); presses++) await page.keyboard.press('Tab');
  expect(await focused()).toBe('row-button|Spring sale');
  await page.keyboard.press('Enter');
  expect(await settledText(page, '#detail-heading', 'Campaign: Spring sale')).toBe('Campaign: Spring sale');
  expect(await page.evaluate('document.activeElement?.id')).toBe('detail-heading');
  expect(await page.getByRole('button', { name: 'Spring sale' }).getAttribute('aria-expanded')).toBe('true');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter'); // Close
  expect(await page.locator('#detail').isHidden()).toBe(true);
  expect(await focused()).toBe('row-button|Spring sale');
});

test("a partner's token shows only the partner's own sends", async () => {
  const page = await openStats(`#token=${await tokenFor(orgId, 'pat', 'partner', 'team-a')}`);
  await expectCards(page, '2', '100.0%', '50.0%', '0');
  expect(await rowNames(page)).toEqual(['Spring sale']);
  expect(await rowCells(page, 'Spring sale').first().textContent()).toBe('2');
  await page.getByRole('button', { name: 'By template' }).click();
  expect(await rowNames(page)).toEqual(['Spring teaser', 'Spring offer']);
  expect(await page.locator('#viewer').textContent()).toContain('only the emails you sent');
});

test('an invalid token brings the token prompt, and a pasted token the figures', async () => {
  const page = await openStats('#token=not-a-token');
  await page.waitForSelector('#token-form', { state: 'visible' });
  expect(await page.locator('#token-reason').textContent()).toContain('The server refused the token');
  expect(await page.locator('#dashboard').isHidden()).toBe(true);
  expect(page.url()).toBe(`${app.url}/stats`);

  await page.getByLabel('Bearer token').fill(`Bearer ${ownerToken}`);
  await page.getByRole('button', { name: 'Show the stats' }).click();
  await expectCards(page, '5', '60.0%', '40.0%', '1');
  expect(await page.locator('#token-form').isHidden()).toBe(true);
});

test('a FORBIDDEN answer is shown as such, with the token kept', async () => {
  const page = await context.newPage();
  await page.route('**/graphql', (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify({ errors: [{ message: 'Not allowed', extensions: { code: 'FORBIDDEN' } }] }) }),
  );
  await page.goto(`${app.url}/stats#token=${ownerToken}`);
  expect(await settledText(page, '#error-message', "Not allowed: Not allowed. This token's role may not see these figures.")).toContain('Not allowed');
  expect(await page.locator('#token-form').isHidden()).toBe(true);
  expect(await page.evaluate('sessionStorage.length')).toBe(1);
});
