// GMAIL_CLIP_RISK (contract section 3, `warnings`) on synthetic emails of 101,
// 102 and 103 KB through the real mutation: set when the HTML the CRM gets
// back is over Gmail's 102 KB clip (104,448 bytes of UTF-8), also when the
// author's HTML was under it and the tracking pushed it over.
import { InstrumentEmailWarningsDocument, type InstrumentEmailInput, type InstrumentWarning } from '../generated/graphql';
import { GMAIL_CLIP_BYTES } from '../../src/instrument/gmail-clip';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { emailInput, TRACKING_ORIGIN } from '../support/instrument';

const KB = 1024;
const CLIP: InstrumentWarning = 'GMAIL_CLIP_RISK';

/**
 * An email of exactly `bytes` bytes of UTF-8 with `links` links of about 120
 * characters; the filler mixes two-byte characters in, so that counting
 * characters instead of bytes would put it on the wrong side of the clip.
 */
function syntheticEmail(bytes: number, links: number): string {
  const anchors = Array.from(
    { length: links },
    (_, i) => `<p><a href="https://www.example-shop.com/collections/spring/products/item-${String(i).padStart(3, '0')}?utm_source=newsletter&amp;utm_medium=email">Item ${i}</a></p>`,
  ).join('\n');
  const head = `<!DOCTYPE html><html><body>\n${anchors}\n<p>`;
  const tail = '</p>\n</body></html>\n';
  const room = bytes - Buffer.byteLength(head + tail);
  const twoByte = 'é'.repeat(Math.floor(room / 4));
  const html = head + twoByte + 'x'.repeat(room - Buffer.byteLength(twoByte)) + tail;
  if (Buffer.byteLength(html) !== bytes) throw new Error('synthetic email of the wrong size');
  return html;
}

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN });
  token = await tokenFor(uniqueOrg('clip'), 'sender-1', 'owner');
});
afterAll(async () => {
  await t.close();
});

async function instrumented(overrides: Partial<InstrumentEmailInput>) {
  const { data, errors } = await gql(t.url, InstrumentEmailWarningsDocument, { input: emailInput(overrides) }, token);
  expect(errors).toBeUndefined();
  const email = data!.instrumentEmail;
  return { ...email, bytes: Buffer.byteLength(email.html ?? '') };
}

it('counts the clip in bytes of UTF-8: 102 KB is 104,448 bytes', () => {
  expect(GMAIL_CLIP_BYTES).toBe(104_448);
  expect(syntheticEmail(101 * KB, 1).length).toBeLessThan(101 * KB);
});

it('101 KB with one link stays under the clip once tracked: no warning', async () => {
  const email = await instrumented({ html: syntheticEmail(101 * KB, 1) });
  expect([email.tracked, email.trackedLinks]).toEqual([true, 1]);
  expect(email.bytes).toBeGreaterThan(101 * KB);
  expect(email.bytes).toBeLessThanOrEqual(GMAIL_CLIP_BYTES);
  expect(email.warnings).toEqual([]);
});

it('101 KB with thirty links is pushed over by its tracking URLs: warned', async () => {
  const email = await instrumented({ html: syntheticEmail(101 * KB, 30) });
  expect(email.trackedLinks).toBe(30);
  expect(email.bytes).toBeGreaterThan(GMAIL_CLIP_BYTES);
  expect(email.warnings).toEqual([CLIP]);
});

it('exactly 102 KB is not over the clip, but its pixel pushes it over: warned', async () => {
  const html = syntheticEmail(102 * KB, 0);
  expect((await instrumented({ html, trackingConsent: false })).warnings).toEqual([]);
  const email = await instrumented({ html });
  expect(email.tracked).toBe(true);
  expect(email.warnings).toEqual([CLIP]);
});

it('103 KB is over the clip before any tracking: warned, tracked or not', async () => {
  const html = syntheticEmail(103 * KB, 3);
  expect((await instrumented({ html })).warnings).toEqual([CLIP]);
  const untracked = await instrumented({ html, trackingConsent: false });
  expect([untracked.tracked, untracked.html === html]).toEqual([false, true]);
  expect(untracked.warnings).toEqual([CLIP]);
});

it('one byte over the clip is over, and a plain-text email never is', async () => {
  expect((await instrumented({ html: syntheticEmail(GMAIL_CLIP_BYTES + 1, 0), trackingConsent: false })).warnings).toEqual([
    CLIP,
  ]);
  expect((await instrumented({ html: null, text: 'x'.repeat(200 * KB) })).warnings).toEqual([]);
});
