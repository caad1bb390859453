// instrumentEmail end to end: real corpus emails through GraphQL, every tracking
// URL followed through the real routes, the send seen through send(id).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SendDocument } from '../generated/graphql';
import { locationHeader } from '../../src/http/location';
import { openPixelTag, trapLinkTag } from '../../src/instrument/rewriter';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { clickTokens, emailInput, instrument, PIXEL_URL, storedLinks, TRACKING_ORIGIN, trapTokens } from '../support/instrument';
import { testTokens } from '../support/sends';
import { consultOracle } from '../unit/helpers/link-oracle';
import { diffRewrite, TRACKING_PREFIX } from '../unit/helpers/rewrite-diff';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus/emails');
const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((name) => name.endsWith('.html')).sort() : [];
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, TRUST_PROXY: '1' });
});
afterAll(async () => {
  await t.close();
});

let ipCounter = 0;
const visit = (url: string) =>
  fetch(url.replace(TRACKING_ORIGIN, t.url), {
    redirect: 'manual',
    headers: { 'user-agent': BROWSER, 'x-forwarded-for': `198.51.100.${(ipCounter++ % 250) + 1}` },
  });

/**
 * Checks, from the outside, that `output` is `input` with only tracking URLs
 * put in href values and one pixel with its trap link added: each click token
 * is swapped for the position it carries, and the unit tests' diff then
 * undoes every edit.
 */
function expectOnlyTrackingEdits(input: string, output: string, orgId: string, sendId: string): string[] {
  const urls: string[] = [];
  const trapUrl = `${TRACKING_ORIGIN}/track/click/${testTokens.encodeTrap(orgId, sendId)}`;
  const normalised = output.replace(new RegExp(`${TRACKING_ORIGIN}/track/click/([A-Za-z0-9_-]+)`, 'g'), (match, token: string) => {
    const decoded = testTokens.decode(token);
    if (decoded?.kind === 'trap' && match === trapUrl) return match; // part of the inserted markup, checked below
    if (decoded?.kind !== 'click' || decoded.orgId !== orgId || decoded.sendId !== sendId) throw new Error(`foreign token ${token}`);
    expect(decoded.position).toBe(urls.length);
    urls.push(decoded.url);
    return `${TRACKING_PREFIX}${decoded.position}`;
  });
  const pixel = openPixelTag(`${TRACKING_ORIGIN}/track/open/${testTokens.encodeOpen(orgId, sendId)}.gif`) + trapLinkTag(trapUrl);
  diffRewrite(input, normalised, pixel, (position) => `${TRACKING_PREFIX}${position}`);
  return urls;
}

function describeCorpus(body: () => void): void {
  if (files.length > 0) return describe(`instrumenting each email of the corpus at ${CORPUS}`, body);
  console.warn(`corpus not found at ${CORPUS}: the end-to-end corpus tests are skipped`);
  describe.skip(`corpus missing: not found at ${CORPUS}`, () => it('instruments every corpus email', () => undefined));
}

describeCorpus(() => {
  it.each(files)('%s: rewrites byte for byte, redirects every link, serves the pixel, counts both', async (file) => {
    const orgId = uniqueOrg('corpus');
    const token = await tokenFor(orgId, 'crm', 'service');
    const html = readFileSync(path.join(CORPUS, file), 'utf8');
    const result = await instrument(t.url, token, emailInput({ html, text: `text of ${file}` }));
    expect(result.errors).toBeUndefined();
    const email = result.data!.instrumentEmail;
    expect(email).toMatchObject({ tracked: true, text: `text of ${file}` });

    const urls = expectOnlyTrackingEdits(html, email.html!, orgId, email.sendId);
    expect(urls).toEqual(consultOracle(html, null).trackedUrls);
    expect(email.trackedLinks).toBe(urls.length);
    expect(await storedLinks(t.app.db, orgId, email.sendId)).toEqual(urls.map((url, position) => ({ position, url })));

    for (const [position, clickToken] of clickTokens(email.html!).entries()) {
      const response = await visit(`${TRACKING_ORIGIN}/track/click/${clickToken}`);
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(locationHeader(urls[position]!));
    }
    const pixels = [...email.html!.matchAll(PIXEL_URL)];
    expect(pixels).toHaveLength(1);
    const pixel = await visit(pixels[0]![0]);
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    expect(Buffer.from(await pixel.arrayBuffer()).subarray(0, 6).toString('latin1')).toBe('GIF89a');

    await t.app.recorder.flush();
    const seen = await gql(t.url, SendDocument, { id: email.sendId }, token);
    expect(seen.data?.send).toMatchObject({ id: email.sendId, tracked: true, opens: 1, clicks: urls.length, senderId: 'sender-1' });
  });
});

describe('awkward input through JSON and GraphQL', () => {
  it('keeps lone surrogates, CRLF, NUL and entities byte for byte around the rewritten links', async () => {
    const orgId = uniqueOrg();
    const token = await tokenFor(orgId, 'crm', 'service');
    const html =
      '<!DOCTYPE html>\r\n<html><body>\r\n\ud800 lone \udfff\u0000 caf\u00e9 \ud83d\ude00\r\n' +
      '<a href="https://e.com/\udc00x">x</a>\r\n<a href=\'https://e.com/ok?a=1&amp;b=2\'>y</a>\r\n' +
      '<a href=https://e.com/u>z</a><a href="mailto:a@e.com">m</a>\r\n</body>\r\n</html>\r\n';
    const text = 'plain \ud800\r\nline';
    const result = await instrument(t.url, token, emailInput({ html, text }));
    const email = result.data!.instrumentEmail;
    expect(email.text).toBe(text);
    expect(email.trackedLinks).toBe(3);
    const urls = expectOnlyTrackingEdits(html, email.html!, orgId, email.sendId);
    // UTF-8 cannot carry an unpaired surrogate: the token holds U+FFFD there
    expect(urls).toEqual(['https://e.com/\ufffdx', 'https://e.com/ok?a=1&b=2', 'https://e.com/u']);
    const first = await visit(`${TRACKING_ORIGIN}/track/click/${clickTokens(email.html!)[0]}`);
    expect(first.headers.get('location')).toBe('https://e.com/%EF%BF%BDx');
  });

  it('answers for a body with invalid UTF-8, decoded as U+FFFD, with links rewritten', async () => {
    const orgId = uniqueOrg();
    const token = await tokenFor(orgId, 'crm', 'service');
    const input = emailInput({ html: 'HTML' });
    const query = 'mutation($input: InstrumentEmailInput!) { instrumentEmail(input: $input) { sendId html trackedLinks } }';
    const json = Buffer.from(JSON.stringify({ query, variables: { input } }));
    const at = json.indexOf('HTML');
    const invalid = Buffer.from("<p>\xff\xfe caf\xc3</p><a href='https://e.com/\xff'>x</a>", 'latin1');
    const broken = Buffer.concat([json.subarray(0, at), invalid, json.subarray(at + 4)]);
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: broken,
    });
    const body = (await response.json()) as { data: { instrumentEmail: { sendId: string; html: string; trackedLinks: number } } };
    const email = body.data.instrumentEmail;
    expect(email.trackedLinks).toBe(1);
    const decodedInput = "<p>\ufffd\ufffd caf\ufffd</p><a href='https://e.com/\ufffd'>x</a>";
    expect(expectOnlyTrackingEdits(decodedInput, email.html, orgId, email.sendId)).toEqual(['https://e.com/\ufffd']);
  });

  it('leaves a link too long for a token untracked and tracks the others', async () => {
    const orgId = uniqueOrg();
    const token = await tokenFor(orgId, 'crm', 'service');
    // 5 bits a letter in the token's prefix codes: 14,000 of them make a token of about 11,700 characters, over the 8,000 issued
    const long = `https://e.com/${'a'.repeat(14_000)}`;
    const html = `<a href="https://e.com/1">1</a><a href="${long}">2</a><a href="https://e.com/3">3</a>`;
    const email = (await instrument(t.url, token, emailInput({ html }))).data!.instrumentEmail;
    expect(email.trackedLinks).toBe(2);
    expect(email.html).toContain(`<a href="${long}">2</a>`);
    expect(await storedLinks(t.app.db, orgId, email.sendId)).toEqual([
      { position: 0, url: 'https://e.com/1' },
      { position: 1, url: 'https://e.com/3' },
    ]);
  });
});

describe('the trap link', () => {
  it('goes in with the pixel, leads to PUBLIC_BASE_URL/, and is no link of the email', async () => {
    const orgId = uniqueOrg();
    const token = await tokenFor(orgId, 'crm', 'service');
    const email = (await instrument(t.url, token, emailInput())).data!.instrumentEmail;
    expect(email.trackedLinks).toBe(1);
    expect(await storedLinks(t.app.db, orgId, email.sendId)).toEqual([{ position: 0, url: 'https://example.com/a?x=1&y=2' }]);
    const [trap] = trapTokens(email.html!);
    expect(testTokens.decode(trap!)).toEqual({ kind: 'trap', orgId, sendId: email.sendId });
    expect(email.html).toContain(`.gif" width="1" height="1" alt="" style="position:absolute;display:block;width:1px;height:1px;max-width:0;max-height:0;border:0;margin:0;padding:0;overflow:hidden;" />${trapLinkTag(`${TRACKING_ORIGIN}/track/click/${trap}`)}</body>`);

    const response = await visit(`${TRACKING_ORIGIN}/track/click/${trap}`);
    expect([response.status, response.headers.get('location')]).toEqual([302, `${TRACKING_ORIGIN}/`]);
    await t.app.recorder.flush();
    const seen = await gql(t.url, SendDocument, { id: email.sendId }, token);
    expect(seen.data?.send).toMatchObject({ clicks: 0, events: [{ kind: 'CLICK', counted: false, bot: true, url: null }] });
  });

  it('is left out with EMAIL_TRACKING_TRAP_LINK=false', async () => {
    const untrapped = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, EMAIL_TRACKING_TRAP_LINK: 'false' });
    try {
      const orgId = uniqueOrg();
      const html = '<html><body><a href="https://example.com/">a</a></body></html>';
      const email = (await instrument(untrapped.url, await tokenFor(orgId, 'crm', 'service'), emailInput({ html }))).data!.instrumentEmail;
      expect(trapTokens(email.html!)).toEqual([]);
      const pixel = openPixelTag(`${TRACKING_ORIGIN}/track/open/${testTokens.encodeOpen(orgId, email.sendId)}.gif`);
      expect(email.html).toBe(`<html><body><a href="${TRACKING_ORIGIN}/track/click/${clickTokens(email.html!)[0]}">a</a>${pixel}</body></html>`);
    } finally {
      await untrapped.close();
    }
  });
});
