// Every corpus email as a person sees it, before and after instrumentation
// (contract section 3, rules 4 and 8): rendered in Debian's Chromium at 600
// and 375 px with remote images blocked in both and the pixel answered by a
// real 1x1 GIF. Outside the page's last row no pixel may differ, and a row the
// instrumentation adds must have the colour of the row above it. The trap
// link, styled, with its style stripped and with every style of the email
// stripped, has no box, is never visible, is never the last Tab stop and is
// never in the accessibility tree.
// One browser, two tabs rendering in parallel; failures keep their
// screenshots in a temp folder named in the failure.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { rewriteHtml } from '../../src/instrument/rewriter';
import { PIXEL_GIF } from '../../src/routes/tracking';
import { launchChromium } from '../support/browser';
import { compareRenders, type RenderVerdict } from '../support/render-compare';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus/emails');
const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((name) => name.endsWith('.html')).sort() : [];
const WIDTHS = [600, 375];
// Two cores: a third tab only queues behind the other two.
const TABS = 2;
const ORIGIN = 'https://t.example';
const EMAIL_ORIGIN = 'https://email.example';
const PIXEL_URL = `${ORIGIN}/track/open/pixel.gif`;
const TRAP_URL = `${ORIGIN}/track/click/the-trap`;
const SCREENSHOTS = path.join(tmpdir(), 'corpus-render');

const instrumented = (html: string) =>
  rewriteHtml(html, { clickUrl: (_url, position) => `${ORIGIN}/track/click/link-${position}`, pixelUrl: PIXEL_URL, trapUrl: TRAP_URL }).html;
/** What a client that strips style attributes (and keeps the element) shows of the trap. */
const withoutTrapStyle = (html: string) => html.replace(/(tabindex="-1") style="[^"]*"><\/a>/, '$1></a>');
/** What a sanitiser that drops every style sheet and style attribute of the email shows. */
const withoutAnyStyle = (html: string) => html.replace(/<style[^>]*>[\s\S]*?<\/style>/gi, '').replace(/\sstyle\s*=\s*("[^"]*"|'[^']*')/gi, '');

interface TrapReport {
  variant: string;
  boxArea: number;
  visible: boolean;
  lastTabStop: string;
  accessible: boolean;
}

interface EmailReport {
  renders: { width: number; verdict: RenderVerdict }[];
  traps: TrapReport[];
  /** Chromium could not render the email (twice): the email's tests fail with it */
  error?: string;
}

const reports = new Map<string, EmailReport>();
let browser: Browser;
let context: BrowserContext;

/** Pixel requests answered, per tab: the instrumented email must still load it. */
const pixelLoads = new WeakMap<Page, number>();
/** Each render is a navigation to a page of its own, so no document keeps images or state from the one before. */
const pages = new Map<string, string>();
let renders = 0;

/**
 * The email is served at EMAIL_ORIGIN and the pixel as the real route serves
 * it; every other request (remote images, fonts, styles) is refused, before
 * and after alike.
 */
async function openTab(): Promise<Page> {
  const page = await context.newPage();
  pixelLoads.set(page, 0);
  await page.route('**/*', (route) => {
    const url = route.request().url();
    const html = pages.get(url);
    if (html !== undefined) return route.fulfill({ status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html });
    if (url !== PIXEL_URL) return route.abort();
    pixelLoads.set(page, pixelLoads.get(page)! + 1);
    // Served as the real route serves it: never from a cache, so every render asks again.
    return route.fulfill({ status: 200, headers: { 'content-type': 'image/gif', 'cache-control': 'no-store, no-cache, must-revalidate, private' }, body: PIXEL_GIF });
  });
  return page;
}

async function load(page: Page, html: string, width: number): Promise<void> {
  const url = `${EMAIL_ORIGIN}/email-${renders++}`;
  pages.set(url, html);
  await page.setViewportSize({ width, height: 800 });
  await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  pages.delete(url);
}

/**
 * The whole page, taken with a viewport as tall as the page, once two
 * captures in a row agree: on a loaded machine Chromium sometimes captures
 * before every tile is painted, showing stale tiles of another part of the
 * page. A page that never settles is a failure, not a pass.
 */
async function screenshot(page: Page, html: string, width: number): Promise<Buffer> {
  await load(page, html, width);
  const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
  await page.setViewportSize({ width, height });
  let previous = await page.screenshot();
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await page.screenshot();
    if (current.equals(previous)) return current;
    previous = current;
  }
  throw new Error(`Chromium never painted the same page twice in a row (${width} px)`);
}

async function inspectTrap(page: Page, html: string, variant: string): Promise<TrapReport> {
  await load(page, html, WIDTHS[0]!);
  const trap = page.locator(`a[href="${TRAP_URL}"]`);
  const box = await trap.boundingBox();
  // From a fresh page Shift+Tab goes to the last Tab stop, which the trap, last in the document, would be.
  await page.keyboard.press('Shift+Tab');
  const lastTabStop = String(await page.evaluate("document.activeElement?.getAttribute('href') ?? document.activeElement?.tagName ?? ''"));
  const cdp = await context.newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { ignored: boolean; properties?: { name: string; value: { value?: unknown } }[] }[] };
  await cdp.detach();
  const accessible = nodes.some((node) => !node.ignored && node.properties?.some((property) => property.value.value === TRAP_URL));
  return { variant, boxArea: box ? box.width * box.height : 0, visible: await trap.isVisible(), lastTabStop, accessible };
}

async function examine(page: Page, file: string): Promise<void> {
  const before = readFileSync(path.join(CORPUS, file), 'utf8');
  const after = instrumented(before);
  const renders: EmailReport['renders'] = [];
  for (const width of WIDTHS) {
    const original = await screenshot(page, before, width);
    const loadsBefore = pixelLoads.get(page)!;
    const tracked = await screenshot(page, after, width);
    const verdict = compareRenders(original, tracked);
    if (pixelLoads.get(page)! <= loadsBefore) verdict.problems.push('the instrumented page never loaded the pixel');
    verdict.ok = verdict.problems.length === 0;
    if (!verdict.ok) {
      const stem = path.join(SCREENSHOTS, `${file}.${width}`);
      writeFileSync(`${stem}.before.png`, original);
      writeFileSync(`${stem}.after.png`, tracked);
      verdict.problems.push(`screenshots: ${stem}.before.png and ${stem}.after.png`);
    }
    renders.push({ width, verdict });
  }
  const traps = [
    await inspectTrap(page, after, 'styled'),
    await inspectTrap(page, withoutTrapStyle(after), 'its style stripped'),
    await inspectTrap(page, withoutAnyStyle(after), 'every style of the email stripped'),
  ];
  reports.set(file, { renders, traps });
}

function describeCorpus(body: () => void): void {
  if (files.length > 0) {
    describe(`the corpus at ${CORPUS} rendered in Chromium before and after instrumentation`, body);
    return;
  }
  console.warn(`corpus not found at ${CORPUS}: the corpus rendering tests are skipped`);
  describe.skip(`corpus not found at ${CORPUS}`, () => it('renders every corpus email the same', () => undefined));
}

describeCorpus(() => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    // Mail clients run no script; the pages render the same without.
    context = await browser.newContext({ javaScriptEnabled: false });
    const queue = [...files];
    await Promise.all(
      Array.from({ length: TABS }, async () => {
        const page = await openTab();
        for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
          // One retry: a navigation can time out on a loaded machine; a second failure is the email's.
          await examine(page, file).catch(() => examine(page, file!)).catch((error: unknown) => {
            reports.set(file!, { renders: [], traps: [], error: String(error) });
          });
        }
        await page.close();
      }),
    );
  }, 15 * 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it.each(files)('%s: looks the same at 600 and 375 px, with no line added', (file) => {
    const report = reports.get(file)!;
    expect(report.error).toBeUndefined();
    expect(report.renders.filter((render) => !render.verdict.ok).map((render) => `${render.width} px: ${render.verdict.problems.join('; ')}`)).toEqual([]);
  });

  it.each(files)('%s: the trap is invisible, boxless, no Tab stop and not accessible, styled or not', (file) => {
    const report = reports.get(file)!;
    expect(report.error).toBeUndefined();
    expect(report.traps).toHaveLength(3);
    for (const trap of report.traps) {
      expect({ ...trap, boxArea: trap.boxArea > 0, lastTabStop: trap.lastTabStop === TRAP_URL }).toEqual({
        variant: trap.variant,
        boxArea: false,
        visible: false,
        lastTabStop: false,
        accessible: false,
      });
    }
  });
});
