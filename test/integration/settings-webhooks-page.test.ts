// The Email Settings page's outbound webhooks panel in Debian's Chromium
// against the real server and a real receiver: add an endpoint, see its
// secret once, send a test event and see it delivered, redeliver it, edit,
// disable and delete the endpoint; roles that may not are told so.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { launchChromium, openSignedIn, settledText } from '../support/browser';
import { verifies } from '../support/outbound';
import { Receiver } from '../support/receiver';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let receiver: Receiver;
let problems: string[];
let answers: string[];

beforeAll(async () => {
  browser = await launchChromium();
  app = await startTestApp({ EMAIL_TRACKING_WEBHOOK_ALLOW_PRIVATE: 'true' });
  app.app.outbound.start();
  receiver = await new Receiver().start();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await receiver?.close();
});

beforeEach(async () => {
  context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
  problems = [];
  answers = [];
});

afterEach(async () => {
  await context.close();
});

const openSettings = (token: string): Promise<Page> => openSignedIn(context, app.url, '/settings', token, problems, answers);

/** Clicks Refresh until the first delivery row of the endpoint shows `status`. */
async function waitForDelivery(page: Page, status: string, rows = 1): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const statuses = await page.locator('.hook .delivery-status').allTextContents();
    if (statuses.length >= rows && statuses.slice(0, rows).every((text) => text === status)) return;
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(250);
  }
  throw new Error(`no ${status} delivery shown: ${await page.locator('.hook').textContent()}`);
}

test('an owner adds an endpoint, copies its secret once, sends a test event, sees it delivered, redelivers, edits, disables and deletes it', async () => {
  const orgId = uniqueOrg('settings-hooks');
  const page = await openSettings(await tokenFor(orgId, 'olivia', 'owner'));
  await page.locator('#hooks-empty', { hasText: 'No endpoints yet.' }).waitFor();

  await page.getByLabel('Endpoint URL').fill(receiver.url);
  await page.getByLabel('clicked').uncheck();
  await page.getByLabel(/People only/).check();
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.locator('#hook-secret').waitFor({ state: 'visible', timeout: 10_000 });
  const secret = (await page.locator('#hook-secret-value').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^whsec_/);
  expect(await settledText(page, '.hook-url', receiver.url)).toBe(receiver.url);
  expect(await page.locator('.hook-state').textContent()).toBe('Enabled · opened, bounced, complained, unsubscribed, reclassified · people only');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  expect(await page.locator('#hook-secret').isHidden()).toBe(true);
  expect(await page.locator('body').textContent()).not.toContain(secret);

  await page.getByRole('button', { name: 'Send test event' }).click();
  await receiver.waitFor(() => receiver.received.length === 1, 10_000, 'the test event');
  expect(receiver.received[0].json.type).toBe('email.test');
  expect(verifies(secret, receiver.received[0])).toBe(true);
  await waitForDelivery(page, 'DELIVERED');
  expect(await page.locator('.delivery td').first().textContent()).toBe('test');

  await page.locator('.delivery').getByRole('button', { name: 'Redeliver' }).click();
  await receiver.waitFor(() => receiver.received.length === 2, 10_000, 'the redelivery');
  expect(receiver.received[1].id).toBe(receiver.received[0].id);

  // Edit: clicks too.
  await page.getByRole('button', { name: 'Edit' }).click();
  expect(await page.getByLabel('Endpoint URL').inputValue()).toBe(receiver.url);
  await page.getByLabel('clicked').check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('.hook-state', { hasText: 'Enabled · every event · people only' }).waitFor();

  await page.getByRole('button', { name: 'Disable' }).click();
  await page.locator('.hook-state', { hasText: /^Disabled · / }).waitFor();
  const [row] = await app.app.db.query(`SELECT enabled FROM webhook_endpoints WHERE org_id = $1`, [orgId]);
  expect(row.enabled).toBe(false);

  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.locator('#hooks-empty').waitFor({ state: 'visible' });
  expect(await app.app.db.query(`SELECT id FROM webhook_endpoints WHERE org_id = $1`, [orgId])).toEqual([]);

  // The secret came back in one answer only: the one that created it.
  expect(answers.filter((answer) => answer.includes(secret))).toHaveLength(1);
  expect(problems).toEqual([]);
}, 90_000);

test('a partner manages its team endpoints; a sales rep is told it cannot', async () => {
  const orgId = uniqueOrg('settings-hooks');
  const partner = await openSettings(await tokenFor(orgId, 'pierre', 'partner', 'team-north'));
  await partner.getByLabel('Endpoint URL').fill(`${receiver.url}?team`);
  await partner.getByRole('button', { name: 'Add endpoint' }).click();
  await partner.locator('.hook-url', { hasText: '?team' }).waitFor();
  expect(await app.app.db.query(`SELECT team_id FROM webhook_endpoints WHERE org_id = $1`, [orgId])).toEqual([{ team_id: 'team-north' }]);

  const rep = await openSettings(await tokenFor(orgId, 'sam', 'sales_rep', 'team-north'));
  await rep.locator('#hooks-refusal', { hasText: 'You cannot manage webhook endpoints: your role is sales rep.' }).waitFor();
  expect(await rep.locator('#hooks-body').isHidden()).toBe(true);
  expect(problems).toEqual([]);
}, 60_000);
