// The Email Settings page in Debian's Chromium against the real server: the
// Mailgun signing key field's whole life, a partner's team key, the roles
// that may not change a key, and a key that never comes back.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PAGES_CSP } from '../../src/routes/page-files';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { launchChromium, settledText, watchedPage } from '../support/browser';
import { gqlRaw } from '../support/graphql-client';

const KEY = 'key-3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let problems: string[];
/** every /graphql answer the page received, to prove the key never comes back */
let answers: string[];

beforeAll(async () => {
  browser = await launchChromium();
  app = await startTestApp();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
  problems = [];
  answers = [];
});

afterEach(async () => {
  await context.close();
});

async function openSettings(token: string): Promise<Page> {
  const page = await watchedPage(context, app.url, problems);
  page.on('response', async (response) => {
    if (response.url().endsWith('/graphql')) answers.push(await response.text().catch(() => ''));
  });
  await page.goto(`${app.url}/settings#token=${token}`);
  return page;
}

async function keySetFor(token: string, scope: 'ORG' | 'TEAM'): Promise<boolean> {
  const result = await gqlRaw(app.url, 'query ($scope: SettingsScope!) { emailSettings(scope: $scope) { mailgunSigningKeySet } }', { scope }, token);
  return (result.data as { emailSettings: { mailgunSigningKeySet: boolean } }).emailSettings.mailgunSigningKeySet;
}

const field = (page: Page) => page.getByLabel('Signing key', { exact: true });
const toggle = (page: Page) => page.locator('#key-visibility');

test('an owner types the key, shows and hides it, saves it, sees "Saved", and clears it', async () => {
  const orgId = uniqueOrg('settings-page');
  const owner = await tokenFor(orgId, 'olivia', 'owner');
  const page = await openSettings(owner);
  expect(await settledText(page, '#key-state', "No key saved: webhooks are verified with the platform's key, if the server has one.")).toContain('No key saved');
  expect(await page.locator('#scope-note').textContent()).toContain(`The organisation's key (${orgId})`);
  expect(await toggle(page).isDisabled()).toBe(true);
  expect(await page.locator('#clear-row').isHidden()).toBe(true);
  expect(page.url()).toBe(`${app.url}/settings`);

  await field(page).fill(KEY);
  expect(await field(page).getAttribute('type')).toBe('password');
  await toggle(page).click();
  expect([await field(page).getAttribute('type'), await toggle(page).textContent(), await toggle(page).getAttribute('aria-pressed')]).toEqual(['text', 'Hide', 'true']);
  expect(await field(page).inputValue()).toBe(KEY);
  await toggle(page).click();
  expect([await field(page).getAttribute('type'), await toggle(page).textContent(), await toggle(page).getAttribute('aria-pressed')]).toEqual(['password', 'Show', 'false']);

  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('.saved-badge', { hasText: 'Saved' }).waitFor();
  expect(await page.evaluate('getComputedStyle(document.querySelector(".saved-badge")).color')).toBe('rgb(17, 99, 41)');
  expect(await field(page).inputValue()).toBe('');
  expect(await field(page).getAttribute('placeholder')).toBe('••••••••••••••••');
  expect(await field(page).getAttribute('type')).toBe('password');
  expect(await page.locator('#status').textContent()).toContain('The key was saved');
  expect(await keySetFor(owner, 'ORG')).toBe(true);

  // A reload asks the server: the key is still saved, and still not shown.
  await page.reload();
  await page.locator('.saved-badge').waitFor();
  expect(await field(page).inputValue()).toBe('');

  // The toggles carry the names the users' documentation gives them (contract section 9).
  expect([await toggle(page).textContent(), await page.locator('label[for="clear-key"]').textContent()]).toEqual(['Show', 'Clear']);
  await page.getByLabel('Clear', { exact: true }).check();
  expect(await field(page).isDisabled()).toBe(true);
  await page.getByRole('button', { name: 'Save' }).click();
  expect(await settledText(page, '#key-state', "No key saved: webhooks are verified with the platform's key, if the server has one.")).toContain('No key saved');
  expect(await page.locator('#clear-row').isHidden()).toBe(true);
  expect(await field(page).isEnabled()).toBe(true);
  expect(await keySetFor(owner, 'ORG')).toBe(false);

  expect(answers.length).toBeGreaterThanOrEqual(5);
  expect(answers.filter((answer) => answer.includes(KEY))).toEqual([]);
  expect(await page.evaluate(`[localStorage.length, Object.values(sessionStorage).some((value) => value.includes('${KEY}'))]`)).toEqual([0, false]);
  expect(problems).toEqual([]);
});

test('errors from the API, and a Save with nothing typed, appear next to the field', async () => {
  const owner = await tokenFor(uniqueOrg('settings-page'), 'adam', 'admin');
  const page = await openSettings(owner);
  await page.locator('#key-state', { hasText: 'No key saved' }).waitFor();

  await page.getByRole('button', { name: 'Save' }).click();
  expect(await settledText(page, '#key-error', 'Type or paste a key first, or tick "Clear".')).toContain('Type or paste');

  await field(page).fill('has space');
  await page.getByRole('button', { name: 'Save' }).click();
  expect(await settledText(page, '#key-error', 'key must be 8 to 256 printable ASCII characters without spaces')).toBe(
    'key must be 8 to 256 printable ASCII characters without spaces',
  );
  expect(await field(page).getAttribute('aria-invalid')).toBe('true');
  expect(await field(page).getAttribute('aria-describedby')).toContain('key-error');
  expect(await page.evaluate('document.activeElement?.id')).toBe('signing-key');
  expect(await page.locator('.saved-badge').count()).toBe(0);

  // Typing again takes the error away.
  await field(page).fill(KEY);
  expect(await page.locator('#key-error').isHidden()).toBe(true);
  expect(await field(page).getAttribute('aria-invalid')).toBeNull();
});

test("a partner sets its own team's key, and the organisation's stays unset", async () => {
  const orgId = uniqueOrg('settings-page');
  const partner = await tokenFor(orgId, 'pierre', 'partner', 'team-northwind');
  const page = await openSettings(partner);
  expect(await settledText(page, '#scope-note', "Your team's key (team-northwind). Mailgun webhooks about your team's sends are verified with it instead of the organisation's.")).toContain('team-northwind');
  await page.locator('#key-state', { hasText: "No key saved: webhooks are verified with the organisation's key, or else the platform's." }).waitFor();

  await field(page).fill(KEY);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('.saved-badge').waitFor();
  const rows = await app.app.db.query(`SELECT team_id FROM email_settings WHERE org_id = $1 AND mailgun_signing_key_enc IS NOT NULL`, [orgId]);
  expect(rows).toEqual([{ team_id: 'team-northwind' }]);
  expect(await keySetFor(partner, 'TEAM')).toBe(true);
  expect(await keySetFor(await tokenFor(orgId, 'olivia', 'owner'), 'ORG')).toBe(false);
  expect(answers.filter((answer) => answer.includes(KEY))).toEqual([]);
  expect(problems).toEqual([]);
});

test('a sales rep, a member and a partner without a team are told they cannot change a key', async () => {
  const orgId = uniqueOrg('settings-page');
  const cases = [
    [await tokenFor(orgId, 'sam', 'sales_rep', 'team-northwind'), 'You cannot change the Mailgun signing key: your role is sales rep.'],
    [await tokenFor(orgId, 'mei', 'member'), 'You cannot change the Mailgun signing key: your role is member.'],
    [await tokenFor(orgId, 'pat', 'partner'), 'Your token names no partner team, so there is no team key for you to change.'],
  ] as const;
  for (const [token, refusal] of cases) {
    const page = await openSettings(token);
    await page.locator('#refusal', { hasText: refusal }).waitFor();
    expect(await page.locator('#key-form').isHidden()).toBe(true);
    await page.close();
  }
  // Only the viewer was asked: the page never tried the settings it may not read.
  expect(answers.every((answer) => answer.includes('"viewer"'))).toBe(true);
  const [row] = await app.app.db.query(`SELECT count(*)::int AS n FROM email_settings WHERE org_id = $1`, [orgId]);
  expect(row).toEqual({ n: 0 });
  expect(problems).toEqual([]);
});

test('is served like /stats: the same policy, never stored, its modules under /pages/', async () => {
  const response = await fetch(`${app.url}/settings`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-security-policy')).toBe(PAGES_CSP);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  const html = await response.text();
  expect(html).toContain('<script type="module" src="/pages/settings.js"></script>');
  expect(html).not.toMatch(/<script>|<style|style="/);
  for (const asset of ['/pages/settings.js', '/pages/settings-queries.js', '/pages/settings.css', '/pages/session.js']) {
    const file = await fetch(`${app.url}${asset}`);
    expect([asset, file.status, file.headers.get('content-security-policy')]).toEqual([asset, 200, PAGES_CSP]);
  }
});
