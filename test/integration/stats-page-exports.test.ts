// The Stats page's timeline chart, recipients paging and CSV downloads, in
// Debian's Chromium against the real server. The events are real requests to
// the pixel and the links (people, Apple's proxy, a chat bot), so the figures
// are the ones the recorder and the stats API make of them.
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { launchChromium, settledText, textsOf, watchedPage } from '../support/browser';
import { gqlRaw } from '../support/graphql-client';
import { insertSend, type TestSend } from '../support/sends';

const PERSON = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
const APPLE_PROXY = 'Mozilla/5.0';
const CHAT_BOT = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';
const ZONE = 'America/New_York';
const BOM = '\uFEFF';

// 120 sends of one campaign, newest first: r000 was sent 20 minutes ago,
// r119 about 40 hours ago. r000-r029 are opened by a person and r000-r009
// click; r030-r034 are opened by Apple's proxy (MPP); r035-r039 are fetched by
// a chat bot, which also follows r040's link. One recipient's address would
// be a formula in a spreadsheet.
const RECIPIENTS = 120;
const email = (index: number) => (index === 7 ? '=HYPERLINK("https://evil.example")@x.example' : `r${String(index).padStart(3, '0')}@x.example`);
const TEMPLATE_NAME = '+Promo "spring", 2025';
const LINKS = ['https://shop.example/atlas?utm=a,b', 'https://shop.example/docs'];

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let orgId: string;
let owner: string;
let problems: string[];

async function track(path: string, userAgent: string): Promise<void> {
  const response = await fetch(`${app.url}${path}`, { headers: { 'user-agent': userAgent }, redirect: 'manual' });
  await response.arrayBuffer();
}

async function seed(): Promise<void> {
  const db = app.app.db;
  await db.query(`INSERT INTO campaigns (org_id, id, name) VALUES ($1, 'atlas', 'Atlas launch')`, [orgId]);
  await db.query(`INSERT INTO templates (org_id, id, name) VALUES ($1, 'promo', $2)`, [orgId, TEMPLATE_NAME]);
  const sends: TestSend[] = [];
  for (let index = 0; index < RECIPIENTS; index++) {
    const sentAt = new Date(Date.now() - (20 * 60_000 + index * 20 * 60_000));
    sends.push(await insertSend(db, { orgId, senderId: 'olivia', campaignId: 'atlas', templateId: 'promo', email: email(index), contactId: `c-${index}`, sentAt, links: LINKS }));
  }
  const requests: Promise<void>[] = [];
  for (let index = 0; index < 30; index++) requests.push(track(`/track/open/${sends[index].openToken}.gif`, PERSON));
  for (let index = 0; index < 10; index++) requests.push(track(`/track/click/${sends[index].clickTokens[0]}`, PERSON));
  for (let index = 30; index < 35; index++) requests.push(track(`/track/open/${sends[index].openToken}.gif`, APPLE_PROXY));
  for (let index = 35; index < 40; index++) requests.push(track(`/track/open/${sends[index].openToken}.gif`, CHAT_BOT));
  requests.push(track(`/track/click/${sends[40].clickTokens[1]}`, CHAT_BOT));
  await Promise.all(requests);
}

const POINT = 'at opens clicks mppOpens botOpens botClicks';
const OVERVIEW = `query ($range: RangeInput, $timeZone: String!) {
  overview(range: $range) { opens clicks mppOpens botOpens botClicks }
  timeline(range: $range, timeZone: $timeZone) { ${POINT} }
  campaign(id: "atlas") { timeline(range: $range, timeZone: $timeZone) { ${POINT} } }
}`;
interface Point { at: string; opens: number; clicks: number; mppOpens: number; botOpens: number; botClicks: number }

const FIGURES = ['opens', 'clicks', 'mppOpens', 'botOpens', 'botClicks'] as const;
const totalsOf = (points: Point[]) => Object.fromEntries(FIGURES.map((figure) => [figure, points.reduce((sum, point) => sum + point[figure], 0)]));

/**
 * The API's timelines (the whole view's, the campaign's) once the recorder
 * has written every event of the seed: the overview and both series must all
 * hold it, since each field of a response is its own statement and a batch
 * committed between two of them shows in the later ones only.
 */
async function settledTimelines(): Promise<[Point[], Point[]]> {
  const expected = JSON.stringify({ opens: 35, clicks: 10, mppOpens: 5, botOpens: 5, botClicks: 1 });
  let last: unknown;
  for (let attempt = 0; attempt < 100; attempt++) {
    const result = await gqlRaw<{ overview: Record<string, number>; timeline: Point[]; campaign: { timeline: Point[] } }>(app.url, OVERVIEW, { range: { preset: 'LAST_7_DAYS' }, timeZone: ZONE }, owner);
    last = result.errors ?? result.data;
    const data = result.data;
    if (data && [data.overview, totalsOf(data.timeline), totalsOf(data.campaign.timeline)].every((figures) => JSON.stringify(figures) === expected)) {
      return [data.timeline, data.campaign.timeline];
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the events never reached the stats: ${JSON.stringify(last)}`);
}

let timeline: Point[];
let campaignTimeline: Point[];

beforeAll(async () => {
  browser = await launchChromium();
  app = await startTestApp();
  orgId = uniqueOrg('stats-exports');
  owner = await tokenFor(orgId, 'olivia', 'owner');
  await seed();
  [timeline, campaignTimeline] = await settledTimelines();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  context = await browser.newContext({ locale: 'en-US', timezoneId: ZONE, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  problems = [];
});

afterEach(async () => {
  await context.close();
});

/** The page on the last 7 days, which hold every send of the seed. */
async function openStats(): Promise<Page> {
  const page = await watchedPage(context, app.url, problems);
  await page.goto(`${app.url}/stats#token=${owner}`);
  await page.locator('[data-card="sends"] .card-value', { hasText: /\d/ }).waitFor();
  await page.selectOption('#range-preset', 'LAST_7_DAYS');
  await page.locator('#breakdown-caption', { hasText: 'last 7 days' }).waitFor();
  return page;
}

const tableRows = (points: Point[]) =>
  points.map((point) => [day.format(new Date(point.at)), ...[point.opens, point.clicks, point.mppOpens, point.botOpens, point.botClicks].map(String)].join('\t'));

async function openCampaign(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Atlas launch', exact: true }).click();
  await page.locator('#recipients caption', { hasText: 'Recipients 1–50' }).waitFor();
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = (await Promise.all([page.waitForEvent('download'), click()])) as [Download, void];
  return { name: download.suggestedFilename(), text: await readFile((await download.path())!, 'utf8') };
}

const day = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: ZONE });

test('the chart draws the API timeline, asked for in the browser time zone, and its figures are in the table', async () => {
  const page = await watchedPage(context, app.url, problems);
  const asked: unknown[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/graphql')) asked.push(request.postDataJSON()?.variables?.timeZone);
  });
  await page.goto(`${app.url}/stats#token=${owner}`);
  await page.selectOption('#range-preset', 'LAST_7_DAYS');
  const figures = page.locator('#overview-timeline .timeline-figures');
  await figures.locator('caption', { hasText: 'Activity, last 7 days' }).waitFor({ state: 'attached' });
  await page.getByText('The chart’s figures as a table').click();
  expect(asked).toContain(ZONE);
  expect(asked.filter((zone) => zone !== undefined && zone !== ZONE)).toEqual([]);

  // The table holds every point of the API's series, dated in New York.
  expect(timeline.length).toBeGreaterThanOrEqual(7);
  expect(await figures.locator('tbody tr').allInnerTexts()).toEqual(tableRows(timeline));
  expect(timeline.reduce((sum, point) => sum + point.opens, 0)).toBe(35);

  // uPlot drew it: a sized canvas, the four series in its legend, and under
  // the cursor at the last point the figures of that point.
  const chart = page.locator('#overview-timeline .chart');
  expect(await chart.getAttribute('aria-label')).toBe(
    'Activity, last 7 days: 35 opens, 10 clicks, 5 MPP opens, 6 machine events. The figures are in the table below the chart.',
  );
  const canvas = await chart.locator('canvas').boundingBox();
  expect(canvas!.width).toBeGreaterThan(600);
  expect(await textsOf(page, '#overview-timeline .u-legend .u-series th')).toEqual(['Day', 'Opens', 'Clicks', 'MPP opens', 'Machine events']);
  const over = await chart.locator('.u-over').boundingBox();
  const busiest = timeline.findIndex((point) => point.opens > 0);
  // Point i sits at i / (n - 1) of the plot's width; the last one a pixel inside its edge.
  await page.mouse.move(over!.x + Math.min(over!.width - 1, (over!.width * busiest) / (timeline.length - 1)), over!.y + over!.height / 2);
  const point = timeline[busiest];
  await page.locator('#overview-timeline .u-legend .u-value', { hasText: day.format(new Date(point.at)) }).waitFor();
  expect(await textsOf(page, '#overview-timeline .u-legend .u-value')).toEqual([
    day.format(new Date(point.at)),
    String(point.opens),
    String(point.clicks),
    String(point.mppOpens),
    String(point.botOpens + point.botClicks),
  ]);
  expect(problems).toEqual([]);
});

test('a custom day is drawn by the hour, with the figures the API gives for the range the page asked for', async () => {
  const page = await watchedPage(context, app.url, problems);
  const ranges: unknown[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/graphql') && request.postData()?.includes('StatsDashboard')) ranges.push(request.postDataJSON().variables.range);
  });
  await page.goto(`${app.url}/stats#token=${owner}`);
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());
  await page.selectOption('#range-preset', 'CUSTOM');
  await page.fill('#range-from', today);
  await page.fill('#range-to', today);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.locator('#overview-timeline caption', { hasText: `Activity, ${today} to ${today}` }).waitFor({ state: 'attached' });
  await page.locator('#overview-timeline summary').click();

  const range = ranges[ranges.length - 1];
  const answer = await gqlRaw<{ timeline: Point[] }>(app.url, OVERVIEW, { range, timeZone: ZONE }, owner);
  const hours = answer.data!.timeline;
  expect(hours.length).toBeGreaterThanOrEqual(23);
  const hour = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE });
  expect(await textsOf(page, '#overview-timeline .timeline-figures thead th')).toEqual(['Hour', 'Opens', 'Clicks', 'MPP opens', 'Machine opens', 'Machine clicks']);
  expect(await page.locator('#overview-timeline .timeline-figures tbody tr').allInnerTexts()).toEqual(
    hours.map((point) => [hour.format(new Date(point.at)), ...[point.opens, point.clicks, point.mppOpens, point.botOpens, point.botClicks].map(String)].join('\t')),
  );
  expect(problems).toEqual([]);
});

test('the cards show click-to-open and what was filtered out; a campaign’s and a template’s drill-down have their own chart', async () => {
  const page = await openStats();
  expect(await settledText(page, '[data-card="click-rate"] .card-note', '10 clicked, click-to-open 28.6%')).toBe('10 clicked, click-to-open 28.6%');
  expect(await page.locator('[data-card="open-rate"] .card-aside').textContent()).toBe('5 machine opens filtered out');
  expect(await page.locator('[data-card="click-rate"] .card-aside').textContent()).toBe('1 machine click filtered out');
  expect(await page.locator('[data-card="sends"] .card-aside').textContent()).toBe('0 untracked sends left out');
  await openCampaign(page);
  expect(await page.locator('.detail-aside').textContent()).toContain('5 machine opens filtered out, 1 machine click filtered out');
  await page.locator('#detail-timeline caption', { hasText: 'Activity of Atlas launch, last 7 days' }).waitFor({ state: 'attached' });
  await page.locator('#detail-timeline summary').press('Enter');
  expect(await page.locator('#detail-timeline .timeline-figures tbody tr').allInnerTexts()).toEqual(tableRows(campaignTimeline));
  expect(await page.locator('#detail-timeline .chart canvas').count()).toBeGreaterThan(0);

  // A template's drill-down asks the template fields: the same parts, no sub-totals.
  await page.getByRole('button', { name: 'By template' }).click();
  await page.getByRole('button', { name: TEMPLATE_NAME, exact: true }).click();
  expect(await settledText(page, '#detail-heading', `Template: ${TEMPLATE_NAME}`)).toBe(`Template: ${TEMPLATE_NAME}`);
  await page.locator('#recipients caption', { hasText: 'Recipients 1–50: all recipients' }).waitFor();
  await page.locator('#detail-timeline summary').press('Enter');
  expect(await page.locator('#detail-timeline .timeline-figures tbody tr').allInnerTexts()).toEqual(tableRows(campaignTimeline));
  expect(await page.locator('#detail table caption', { hasText: 'Templates in this campaign' }).count()).toBe(0);
  expect(problems).toEqual([]);
});

test('pages through all 120 recipients with Next and Previous, and filters them', async () => {
  const page = await openStats();
  await openCampaign(page);
  const emails = () => textsOf(page, '#recipients tbody th');
  const caption = (text: string) => page.locator('#recipients caption', { hasText: text }).waitFor();
  const next = page.getByRole('navigation', { name: 'Recipient pages' }).getByRole('button', { name: 'Next' });
  const previous = page.getByRole('navigation', { name: 'Recipient pages' }).getByRole('button', { name: 'Previous' });

  const seen = [...(await emails())];
  expect(await previous.isDisabled()).toBe(true);
  await next.click();
  await caption('Recipients 51–100: all recipients');
  seen.push(...(await emails()));
  await next.click();
  await caption('Recipients 101–120: all recipients');
  seen.push(...(await emails()));
  expect(await next.isDisabled()).toBe(true);
  expect(await page.locator('.pager-position').textContent()).toBe('Page 3, the last');
  expect(seen).toEqual(Array.from({ length: RECIPIENTS }, (_, index) => email(index)));

  await previous.click();
  await caption('Recipients 51–100');
  expect(await emails()).toEqual(seen.slice(50, 100));

  await page.getByLabel('Clicked', { exact: true }).check();
  await caption('Recipients 1–10: recipients who clicked');
  expect(await emails()).toEqual(seen.slice(0, 10));
  expect(await next.isDisabled()).toBe(true);
  await page.getByLabel('Not opened', { exact: true }).check();
  await caption('Recipients 1–50: recipients who did not open');
  await next.click();
  await caption('Recipients 51–85: recipients who did not open');
  expect(await emails()).toEqual(seen.slice(85, 120));
  expect(problems).toEqual([]);
});

test('downloads the table shown, a row’s links and every recipient as CSV, formulas neutralised', async () => {
  const page = await openStats();
  await page.getByRole('button', { name: 'By template' }).click();
  const table = await downloaded(page, () => page.getByRole('button', { name: 'Download CSV', exact: true }).click());
  expect(table.name).toBe('templates-last-7-days.csv');
  const [header, row, end] = table.text.split('\r\n');
  expect(header).toBe(
    `${BOM}Template,Id,Sends,Untracked sends,Opened,Clicked,Failed,Opens,Clicks,MPP opens,Machine opens,Machine clicks,Open rate,Click rate,Human open rate,MPP share,Click-to-open rate,Last sent at`,
  );
  expect(row).toMatch(/^"'\+Promo ""spring"", 2025",promo,120,0,35,10,0,35,10,5,5,1,0\.29166\d*,0\.08333\d*,0\.25,0\.14285\d*,0\.28571\d*,\d{4}-\d\d-\d\dT/);
  expect(end).toBe('');

  await page.getByRole('button', { name: 'By campaign' }).click();
  await openCampaign(page);
  const links = await downloaded(page, () => page.getByRole('button', { name: 'Download CSV of the links' }).click());
  expect(links.name).toBe('links-atlas-launch-last-7-days.csv');
  expect(links.text).toBe(`${BOM}Name,URL,Clicks,Unique clicks\r\n,"https://shop.example/atlas?utm=a,b",10,10\r\n,https://shop.example/docs,0,0\r\n`);

  const everyone = await downloaded(page, () => page.getByRole('button', { name: 'Download CSV of every recipient' }).click());
  expect(everyone.name).toBe('recipients-atlas-launch-all-last-7-days.csv');
  const records = everyone.text.split('\r\n');
  expect(records[0]).toBe(`${BOM}Email,Contact id,Send id,Sent at,Opens,Clicks,MPP opens,First opened at,Last clicked at`);
  expect(records).toHaveLength(RECIPIENTS + 2);
  expect(records.slice(1, -1).map((record) => record.split(',')[0])).toEqual(
    Array.from({ length: RECIPIENTS }, (_, index) => (index === 7 ? `"'=HYPERLINK(""https://evil.example"")@x.example"` : email(index))),
  );
  expect(records[1]).toMatch(/^r000@x\.example,c-0,[\w-]+,\d{4}-\d\d-\d\dT[\d:.]+Z,1,1,0,\d{4}-[\w:.-]+Z,\d{4}-[\w:.-]+Z$/);
  expect(await page.locator('#status').textContent()).toBe('Downloaded 120 recipients (all) as CSV.');
  expect(problems).toEqual([]);
});
