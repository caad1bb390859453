// GET /graphql in a browser (contract section 9, issue 22 finding 9): a
// GraphQL explorer served by this server, loading nothing from another
// origin, under the pages' CSP, with the token handled as on /stats. The
// audited build served Apollo's Sandbox with scripts from Apollo's CDN and
// fonts from Google, without a CSP. Run against a production-mode server,
// where introspection needs the token.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PAGES_CSP } from '../../src/routes/page-files';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { launchChromium, watchedPage } from '../support/browser';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let problems: string[];

beforeAll(async () => {
  browser = await launchChromium();
  app = await startTestApp({ NODE_ENV: 'production' });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
  problems = [];
});

afterEach(async () => {
  await context.close();
});

/** Runs the query in GraphiQL's editor and waits for its answer in the result pane. */
async function runQuery(page: Page, expected: string): Promise<string> {
  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.result-window');
  await result.filter({ hasText: expected }).waitFor({ timeout: 15_000 });
  return (await result.textContent()) ?? '';
}

test('is served from this server under the pages’ CSP, and the API answers at the same path', async () => {
  const page = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' } });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(page.headers.get('content-security-policy')).toBe(PAGES_CSP);
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  const html = await page.text();
  expect(html).toContain('<script defer src="/pages/graphiql.js"></script>');
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  for (const file of ['graphiql.js', 'graphiql.css', 'react.js', 'react-dom.js', 'explorer.js', 'explorer.css']) {
    const asset = await fetch(`${app.url}/pages/${file}`);
    expect([file, asset.status]).toEqual([file, 200]);
    await asset.arrayBuffer();
  }
  const api = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
  expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
});

test('opens with a token, takes it out of the address, loads the schema and runs a query, all from this origin', async () => {
  const orgId = uniqueOrg('explorer');
  const token = await tokenFor(orgId, 'ana', 'admin');
  const page = await watchedPage(context, app.url, problems);
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${app.url}/graphql#token=${token}`);
  await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
  expect(page.url()).toBe(`${app.url}/graphql`);
  expect(await page.locator('#viewer').textContent()).toContain(`ana (admin) in ${orgId}`);
  expect(await runQuery(page, '"sends": 0')).toContain('"overview"');
  // the schema came through introspection, which a production server answers to a token only
  await page.locator('button[aria-label="Show Documentation Explorer"]').click();
  await page.getByText('instrumentEmail').first().waitFor({ timeout: 15_000 });
  expect(await page.evaluate('sessionStorage.getItem("email-stats.token")')).toBe(token);
  expect(requests.filter((url) => !url.startsWith(app.url) && !url.startsWith('data:'))).toEqual([]);
  expect(problems).toEqual([]);
});

test('without a token asks for one, as /stats does, and opens once it is pasted', async () => {
  const orgId = uniqueOrg('explorer');
  const page = await watchedPage(context, app.url, problems);
  await page.goto(`${app.url}/graphql`);
  await page.locator('#token-form').waitFor();
  expect(await page.locator('#explorer').isHidden()).toBe(true);
  await page.getByLabel('Bearer token').fill(`Bearer ${await tokenFor(orgId, 'sam', 'member')}`);
  await page.getByRole('button', { name: 'Open the explorer' }).click();
  await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
  expect(await runQuery(page, '"sends": 0')).toContain('"overview"');
  expect(problems).toEqual([]);
});
