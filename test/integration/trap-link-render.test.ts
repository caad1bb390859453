// The trap link as a person meets it: corpus emails instrumented with and
// without it, rendered in Debian's Chromium (playwright-core). It must change
// no pixel of the page, take no place in the layout, never receive focus from
// Tab and never reach the accessibility tree, also when a mail client strips
// its style attribute. Screenshots go to the system's temp folder to look at.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { rewriteHtml } from '../../src/instrument/rewriter';
import { PIXEL_GIF } from '../../src/routes/tracking';
import { launchChromium } from '../support/browser';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus/emails');
// A responsive single-column email with inline styles, and a hybrid
// Outlook-ready one (tables, conditional comments, a VML button).
const EMAILS = ['leemunroe__email-inlined.html', 'cerberus__cerberus-hybrid.html'];
const ORIGIN = 'https://t.example';
const TRAP_URL = `${ORIGIN}/track/click/the-trap`;
const SCREENSHOTS = path.join(tmpdir(), 'trap-link-render');

function instrumented(html: string, trapUrl: string | null): string {
  return rewriteHtml(html, {
    clickUrl: (_url, position) => `${ORIGIN}/track/click/link-${position}`,
    pixelUrl: `${ORIGIN}/track/open/pixel.gif`,
    trapUrl,
  }).html;
}

/** What a client that strips style attributes (and keeps the element) would show. */
const withoutTrapStyle = (html: string) => html.replace(/(tabindex="-1") style="[^"]*"><\/a>/, '$1></a>');

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

/** The email as a page; the pixel is served, every other request (images, fonts) is refused: the network is closed. */
async function render(html: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
  await page.route('**/*', (route) =>
    route.request().url().endsWith('/pixel.gif')
      ? route.fulfill({ status: 200, contentType: 'image/gif', body: PIXEL_GIF })
      : route.abort(),
  );
  await page.setContent(html, { waitUntil: 'load' });
  return page;
}

/** The href of whatever Tab reaches, stop by stop, until it comes back round or gives up. */
async function tabStops(page: Page, limit: number): Promise<string[]> {
  const stops: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    // A string, not a function: the tests compile without the DOM's types.
    stops.push(String(await page.evaluate("document.activeElement?.getAttribute('href') ?? document.activeElement?.tagName ?? ''")));
  }
  return stops;
}

/** Every link the accessibility tree offers a screen reader, by its URL. */
async function accessibleLinkUrls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
    nodes: { ignored: boolean; role?: { value: string }; properties?: { name: string; value: { value?: unknown } }[] }[];
  };
  return nodes
    .filter((node) => !node.ignored && node.role?.value === 'link')
    .map((node) => String(node.properties?.find((property) => property.name === 'url')?.value.value ?? ''));
}

function describeCorpus(body: () => void): void {
  if (existsSync(CORPUS)) {
    describe(`the trap link rendered in Chromium, corpus at ${CORPUS}`, body);
    return;
  }
  console.warn(`corpus not found at ${CORPUS}: the trap link rendering tests are skipped`);
  describe.skip(`corpus not found at ${CORPUS}`, () => it('renders the trap link invisibly', () => undefined));
}

describeCorpus(() => {
  it.each(EMAILS)('%s: the trap changes no pixel, has no box, is no Tab stop and no accessible link', async (file) => {
    const html = readFileSync(path.join(CORPUS, file), 'utf8');
    const links = (html.match(/<a\s[^>]*href=/gi) ?? []).length;
    for (const [variant, page] of [
      ['with-trap', await render(instrumented(html, TRAP_URL))],
      ['trap-unstyled', await render(withoutTrapStyle(instrumented(html, TRAP_URL)))],
    ] as const) {
      const plain = await render(instrumented(html, null));
      const shot = await page.screenshot({ fullPage: true });
      writeFileSync(path.join(SCREENSHOTS, `${file}.${variant}.png`), shot);
      expect(shot.equals(await plain.screenshot({ fullPage: true }))).toBe(true);

      const trap = page.locator(`a[href="${TRAP_URL}"]`);
      expect(await trap.count()).toBe(1);
      const box = await trap.boundingBox();
      expect(box === null || box.width * box.height === 0).toBe(true);
      expect(await trap.isVisible()).toBe(false);

      const stops = await tabStops(page, links + 3);
      expect(stops).toContain(`${ORIGIN}/track/click/link-0`); // Tab does reach the email's own links
      expect(stops).not.toContain(TRAP_URL);

      const accessible = await accessibleLinkUrls(page);
      expect(accessible).toContain(`${ORIGIN}/track/click/link-0`);
      expect(accessible).not.toContain(TRAP_URL);
      await Promise.all([page.close(), plain.close()]);
    }
  });
});
