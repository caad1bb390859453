// The Stats page's Live panel in Chromium, on the real server: an open made
// during the test appears without a reload; a scanner's click waits behind
// the machine toggle; after the server restarts, the panel says it is
// reconnecting, reconnects by itself and shows the next open.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { createApp, type App } from '../../src/app';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { openTestDataSource, testConfig, tokenFor, uniqueOrg } from '../support/app';
import { launchChromium, settledText, textsOf, watchedPage } from '../support/browser';
import { BOT_UA, hitLink, hitPixel, PERSON_UA } from '../support/live-stream';
import { freePort } from '../support/processes';
import { insertSend, testTokens } from '../support/sends';

let db: DataSource;
let browser: Browser;
let context: BrowserContext;
let port: number;
let origin: string;
let served: { app: App; server: RunningServer } | null = null;

/** The server on a fixed port, so that it can be restarted where the page expects it. */
async function serve(): Promise<void> {
  const config = testConfig({ PORT: String(port), TRUST_PROXY: '1' });
  const app = createApp(config, db, createLogger(config.logLevel));
  served = { app, server: await startServer(app, port, '127.0.0.1') };
}

async function stop(): Promise<void> {
  if (!served) return;
  await served.server.close(1_000);
  await served.app.recorder.close();
  await served.app.compactor.stop();
  served = null;
}

beforeAll(async () => {
  browser = await launchChromium();
  db = await openTestDataSource();
  port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  await serve();
});
afterAll(async () => {
  await browser?.close();
  await stop();
  await db?.destroy();
});
beforeEach(async () => {
  context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
});
afterEach(async () => {
  await context.close();
});

const rows = (page: Page) => textsOf(page, '#live-list .live-who');
const LIVE = 'Live: opens and clicks appear here as they happen.';

async function openStats(page: Page, token: string): Promise<void> {
  await page.goto(`${origin}/stats#token=${token}`);
  expect(await settledText(page, '#live-state', LIVE)).toBe(LIVE);
}

test('shows an open as it happens, and keeps a scanner\'s click behind the machine toggle', async () => {
  const org = uniqueOrg('live-page');
  await db.query(`INSERT INTO campaigns (org_id, id, name) VALUES ($1, 'spring', 'Spring sale')`, [org]);
  const send = await insertSend(db, { orgId: org, email: 'ada@example.com', campaignId: 'spring', links: ['https://shop.example/spring'] });
  await db.query(`UPDATE sends SET subject = 'Spring is here' WHERE org_id = $1 AND id = $2`, [org, send.sendId]);
  const problems: string[] = [];
  const page = await watchedPage(context, origin, problems);
  await openStats(page, await tokenFor(org, 'boss', 'owner'));
  expect(await page.locator('#live-empty').isVisible()).toBe(true);

  await hitPixel(origin, send.openToken, PERSON_UA, '192.0.2.40');
  const row = page.locator('#live-list li').first();
  await row.waitFor({ timeout: 5_000 });
  expect(await row.locator('.live-who').textContent()).toBe('ada@example.com');
  expect(await row.locator('.live-what').textContent()).toBe('opened');
  expect(await row.locator('.live-email').textContent()).toBe('Spring is here · Spring sale');
  expect(await row.locator('.live-when').textContent()).toMatch(/^\d+ s ago$/);

  // A link scanner's click: recorded, a machine's, hidden until asked for.
  await hitLink(origin, send.clickTokens[0], BOT_UA, '192.0.2.41');
  expect(await settledText(page, '#live-hidden', '(1 hidden)')).toBe('(1 hidden)');
  expect(await page.locator('#live-list li').count()).toBe(1);
  await page.getByLabel('Show machine and MPP events').check();
  const machine = page.locator('#live-list li.is-machine');
  await machine.waitFor({ timeout: 2_000 });
  expect(await machine.locator('.live-what').textContent()).toBe('clicked https://shop.example/spring');
  expect(await machine.locator('.live-mark').textContent()).toBe('Machine: a bot or link preview');
  await page.getByLabel('Show machine and MPP events').uncheck();
  await machine.waitFor({ state: 'detached', timeout: 2_000 });
  expect(await rows(page)).toEqual(['ada@example.com']);
  expect(problems).toEqual([]);
});

test('follows the drill-down: a campaign\'s view shows only its own sends', async () => {
  const org = uniqueOrg('live-page');
  await db.query(`INSERT INTO campaigns (org_id, id, name) VALUES ($1, 'spring', 'Spring sale'), ($1, 'fall', 'Fall sale')`, [org]);
  const spring = await insertSend(db, { orgId: org, email: 'spring@example.com', campaignId: 'spring' });
  const fall = await insertSend(db, { orgId: org, email: 'fall@example.com', campaignId: 'fall' });
  const problems: string[] = [];
  const page = await watchedPage(context, origin, problems);
  await openStats(page, await tokenFor(org, 'boss', 'owner'));
  await page.getByRole('button', { name: 'Spring sale', exact: true }).click();
  expect(await settledText(page, '#live-scope', 'Only campaign Spring sale.')).toBe('Only campaign Spring sale.');
  expect(await settledText(page, '#live-state', LIVE)).toBe(LIVE);

  await hitPixel(origin, fall.openToken, PERSON_UA, '192.0.2.50');
  await hitPixel(origin, spring.openToken, PERSON_UA, '192.0.2.51');
  await page.locator('#live-list li').first().waitFor({ timeout: 5_000 });
  // Both were written in that order: the fall open would have come first.
  expect(await rows(page)).toEqual(['spring@example.com']);
  expect(problems).toEqual([]);
});

test('stays bounded under a flood of opens, drawing the newest', async () => {
  const org = uniqueOrg('live-flood');
  // 1,000 sends in one statement: far more than the panel keeps (300) or draws (100).
  const rows: { id: string; recipient_email: string }[] = await db.query(
    `INSERT INTO sends (org_id, sent_at, sender_id, contact_id, recipient_email, tracked, tracked_links)
     SELECT $1, now(), 'boss', 'c' || g, 'r' || g || '@example.com', true, 0 FROM generate_series(0, 999) g
     RETURNING id, recipient_email`,
    [org],
  );
  const sends = rows.map((row) => ({ email: row.recipient_email, openToken: testTokens.encodeOpen(org, row.id) }));
  const problems: string[] = [];
  const page = await watchedPage(context, origin, problems);
  await openStats(page, await tokenFor(org, 'boss', 'owner'));
  // An open per send from as many addresses, 50 at a time, then one last, last.
  const last = sends.pop()!;
  for (let n = 0; n < sends.length; n += 50) {
    await Promise.all(sends.slice(n, n + 50).map((send, i) => hitPixel(origin, send.openToken, PERSON_UA, `10.0.${(n + i) >> 8}.${(n + i) & 255}`)));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  await hitPixel(origin, last.openToken, PERSON_UA, '10.9.9.9');
  await page.locator('#live-list li').first().filter({ hasText: last.email }).waitFor({ timeout: 15_000 });
  expect(await page.locator('#live-list li').count()).toBe(100);
  expect(problems).toEqual([]);
});

test('says it is reconnecting when the server restarts, reconnects by itself, and shows the next open', async () => {
  const org = uniqueOrg('live-page');
  const [before, after] = await Promise.all([insertSend(db, { orgId: org, email: 'before@example.com' }), insertSend(db, { orgId: org, email: 'after@example.com' })]);
  const problems: string[] = [];
  const page = await watchedPage(context, origin, problems);
  await openStats(page, await tokenFor(org, 'boss', 'owner'));
  await hitPixel(origin, before.openToken, PERSON_UA, '192.0.2.60');
  await page.locator('#live-list li').first().waitFor({ timeout: 5_000 });

  await stop();
  const reconnecting = 'Connection lost: reconnecting…';
  expect(await settledText(page, '#live-state', reconnecting)).toBe(reconnecting);
  // Down long enough for the panel's first attempts to be refused.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(await page.locator('#live-state').textContent()).toBe(reconnecting);
  await serve();
  expect(await settledText(page, '#live-state', LIVE, 15_000)).toBe(LIVE);

  await hitPixel(origin, after.openToken, PERSON_UA, '192.0.2.61');
  await page.locator('#live-list li', { hasText: 'after@example.com' }).waitFor({ timeout: 5_000 });
  expect(await rows(page)).toEqual(['after@example.com', 'before@example.com']);
  // While the server was down, the browser reported the refused attempts; nothing else (the stream itself was ended cleanly).
  expect(problems.filter((problem) => !/Failed to load resource: net::ERR_CONNECTION_REFUSED/.test(problem))).toEqual([]);
});
