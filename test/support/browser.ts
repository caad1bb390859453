// Debian's Chromium driven by playwright-core, launched the way this machine
// needs it: headless, no sandbox as root, no background networking (the
// network is closed, and Chromium would otherwise keep calling out), and a
// fresh profile per launch (Playwright makes a new --user-data-dir each time).
// A missing Chromium fails the tests loudly: a page test that cannot run
// must never pass by being skipped.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing (${CHROMIUM_PATH} not found): the Stats page tests need it. ` +
        'Install it with `apt-get install -y chromium` (Debian; .ci/run does this before npm test).',
    );
  }
  const asRoot = process.getuid?.() === 0;
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: !asRoot,
    args: asRoot ? ['--no-sandbox', ...CHROMIUM_ARGS] : CHROMIUM_ARGS,
  });
}

/**
 * The text of the first element matching `selector` once it equals
 * `expected`, or whatever it holds after the wait: the caller's expect()
 * then shows the difference instead of a bare timeout. (Locators, not
 * waitForFunction: the page's CSP rightly refuses evaluated strings.)
 */
export async function settledText(page: Page, selector: string, expected: string, timeoutMs = 10_000): Promise<string | null> {
  const exactly = new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await page.locator(selector, { hasText: exactly }).first().waitFor({ timeout: timeoutMs }).catch(() => undefined);
  return (await page.locator(selector).first().textContent({ timeout: 1_000 }).catch(() => null))?.trim() ?? null;
}

/** Every text of the elements matching `selector`, trimmed. */
export async function textsOf(page: Page, selector: string): Promise<string[]> {
  return (await page.locator(selector).allTextContents()).map((text) => text.trim());
}

/**
 * A new page of `context` whose console errors, uncaught errors and requests
 * to any origin but `origin` (a CSP violation is a console error) land in
 * `problems`: a page test expects that list to stay empty.
 */
export async function watchedPage(context: BrowserContext, origin: string, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) problems.push(`request to ${url}`);
  });
  return page;
}

/**
 * A watched page (see watchedPage) on `path` of `origin`, signed in with
 * `token` in the fragment as the pages take it; every /graphql answer it
 * receives lands in `answers`, to prove a secret never comes back.
 */
export async function openSignedIn(context: BrowserContext, origin: string, path: string, token: string, problems: string[], answers: string[]): Promise<Page> {
  const page = await watchedPage(context, origin, problems);
  page.on('response', async (response) => {
    if (response.url().endsWith('/graphql')) answers.push(await response.text().catch(() => ''));
  });
  await page.goto(`${origin}${path}#token=${token}`);
  return page;
}
