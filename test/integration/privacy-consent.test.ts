// Withdrawing tracking consent reaches the emails already sent: their pixels
// and links still answer, and nothing of theirs is recorded, from any source,
// until consent is given again (contract sections 4 and 7).
import { ContactPrivacyDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { emailInput, instrument, storedLinks, storedSend, TRACKING_ORIGIN } from '../support/instrument';
import { PLATFORM_KEY, contactStatus, eventData, jsonBody, postJson } from '../support/mailgun';
import { LINKS, followLink, openPixel, rawEventCount, sendTrackedEmail, setConsent, type TrackedEmail } from '../support/privacy';
import { linkCounters, sendCounters } from '../support/sends';

let t: TestApp;
beforeAll(async () => {
  // Each request comes from an address of its own (X-Forwarded-For): one reader's two clicks are not a scanner's burst.
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY, TRUST_PROXY: '1' });
});
afterAll(async () => {
  await t.close();
});

/** A pixel, a click and a Mailgun open and click: what every reader of the email can cause. */
async function engage(send: TrackedEmail): Promise<void> {
  const pixel = await openPixel(t, send);
  expect(pixel.status).toBe(200);
  expect(Buffer.from(await pixel.arrayBuffer()).length).toBe(43);
  const click = await followLink(t, send, 1);
  expect([click.status, click.headers.get('location')]).toEqual([302, LINKS[1]]);
  // Written before the webhooks arrive, so the webhook open is the one deduplicated.
  await t.app.recorder.flush();
  for (const event of [eventData('opened', { sendId: send.sendId, orgId: send.orgId, ip: '203.0.113.9' }), eventData('clicked', { sendId: send.sendId, orgId: send.orgId, url: LINKS[0] })]) {
    expect((await postJson(t.url, jsonBody(PLATFORM_KEY, event))).status).toBe(200);
  }
}

it('withdrawn: the pixels, links and webhook events of earlier emails are answered and recorded nowhere', async () => {
  const orgId = uniqueOrg('consent');
  const send = await sendTrackedEmail(t, orgId);
  const other = await sendTrackedEmail(t, orgId);
  const withheldBefore = t.app.recorder.counters.withheld;
  const result = await setConsent(t, orgId, send.contactId, false);
  expect(result.data?.setContactTrackingConsent).toEqual({ id: send.contactId, email: 'ada@example.com', status: 'ACTIVE', trackingConsent: false });

  await engage(send);
  expect(await rawEventCount(t.app.db, [send])).toBe(0);
  expect(await sendCounters(t.app.db, send)).toMatchObject({ opens: 0, clicks: 0, bot_opens: 0, bot_clicks: 0, first_opened_at: null });
  expect(await linkCounters(t.app.db, send)).toEqual([
    { position: 0, clicks: 0, unique_clickers: 0 },
    { position: 1, clicks: 0, unique_clickers: 0 },
  ]);
  expect(t.app.recorder.counters.withheld - withheldBefore).toBe(2);
  expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/tracking_events_total\{outcome="withheld"\} [1-9]/);

  // Another contact of the organisation is tracked as ever.
  await engage(other);
  expect(await sendCounters(t.app.db, other)).toMatchObject({ opens: 1, clicks: 2 });
});

it('withdrawn: a webhook open of an earlier email is ignored, a bounce still suppresses the contact', async () => {
  const orgId = uniqueOrg('consent');
  const send = await sendTrackedEmail(t, orgId);
  await setConsent(t, orgId, send.contactId, false);
  const open = await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('opened', { sendId: send.sendId, orgId })));
  expect([open.status, await open.json()]).toEqual([200, { status: 'ignored' }]);
  const bounce = await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('failed', { sendId: send.sendId, orgId, severity: 'permanent' })));
  expect([bounce.status, await bounce.json()]).toEqual([200, { status: 'processed' }]);
  expect(await contactStatus(t.app.db, orgId, send.contactId)).toBe('BOUNCED');
});

it('withdrawn: later emails come back untouched and untracked, and are still recorded', async () => {
  const orgId = uniqueOrg('consent');
  const first = await sendTrackedEmail(t, orgId);
  await setConsent(t, orgId, first.contactId, false);
  const input = emailInput({ contactId: first.contactId, trackingConsent: true });
  const later = (await instrument(t.url, await tokenFor(orgId, 'crm', 'service'), input)).data?.instrumentEmail;
  expect(later).toMatchObject({ html: input.html, text: input.text, tracked: false, trackedLinks: 0 });
  expect(await storedSend(t.app.db, orgId, later!.sendId)).toMatchObject({ tracked: false, tracked_links: 0, contact_id: first.contactId });
  expect(await storedLinks(t.app.db, orgId, later!.sendId)).toEqual([]);
});

it('given again: tracked again from then on, earlier emails included', async () => {
  const orgId = uniqueOrg('consent');
  const send = await sendTrackedEmail(t, orgId);
  await setConsent(t, orgId, send.contactId, false);
  await engage(send);
  const result = await setConsent(t, orgId, send.contactId, true, 'service');
  expect(result.data?.setContactTrackingConsent?.trackingConsent).toBe(true);
  await engage(send);
  // The webhook open and click fall within 10 minutes of the pixel's: recorded, not counted.
  expect(await sendCounters(t.app.db, send)).toMatchObject({ opens: 1, clicks: 2 });
  expect(await rawEventCount(t.app.db, [send])).toBe(4);
  await sendTrackedEmail(t, orgId, { contactId: send.contactId });
});

it('an unknown contact is created with the preference, so its first email is already untracked', async () => {
  const orgId = uniqueOrg('consent');
  const contactId = 'first-time';
  const result = await setConsent(t, orgId, contactId, false, 'owner');
  expect(result.data?.setContactTrackingConsent).toEqual({ id: contactId, email: '', status: 'ACTIVE', trackingConsent: false });
  const sent = (await instrument(t.url, await tokenFor(orgId, 'crm', 'service'), emailInput({ contactId }))).data?.instrumentEmail;
  expect(sent?.tracked).toBe(false);
  const seen = await gql(t.url, ContactPrivacyDocument, { id: contactId }, await tokenFor(orgId, 'admin-1', 'admin'));
  expect(seen.data?.contact).toEqual({ id: contactId, email: 'ada@example.com', status: 'ACTIVE', trackingConsent: false });
});

it("never touches another organisation's contact with the same id", async () => {
  const [orgId, otherOrg] = [uniqueOrg('consent'), uniqueOrg('other')];
  const send = await sendTrackedEmail(t, orgId);
  const theirs = await sendTrackedEmail(t, otherOrg, { contactId: send.contactId });
  await setConsent(t, orgId, send.contactId, false);
  await engage(theirs);
  expect(await sendCounters(t.app.db, theirs)).toMatchObject({ opens: 1, clicks: 2 });
  const seen = await gql(t.url, ContactPrivacyDocument, { id: send.contactId }, await tokenFor(otherOrg, 'admin-1', 'admin'));
  expect(seen.data?.contact?.trackingConsent).toBe(true);
});

describe('events answered before the withdrawal and not yet written', () => {
  let held: TestApp;
  beforeAll(async () => {
    // A linger longer than any test: answered events wait in the buffer until flushed.
    held = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, TRUST_PROXY: '1' }, { recorder: { lingerMs: 600_000 } });
  });
  afterAll(async () => {
    await held.close();
  });

  it('are not recorded: the writer checks consent when it writes', async () => {
    const orgId = uniqueOrg('consent');
    const send = await sendTrackedEmail(held, orgId);
    const control = await sendTrackedEmail(held, orgId);
    expect((await openPixel(held, send)).status).toBe(200);
    expect((await followLink(held, send)).status).toBe(302);
    expect((await openPixel(held, control)).status).toBe(200);
    expect(held.app.recorder.buffered).toBe(3);
    await setConsent(held, orgId, send.contactId, false);
    await held.app.recorder.flush();
    expect(held.app.recorder.buffered).toBe(0);
    expect(held.app.recorder.counters.withheld).toBe(2);
    expect(await rawEventCount(held.app.db, [send])).toBe(0);
    expect(await sendCounters(held.app.db, send)).toMatchObject({ opens: 0, clicks: 0 });
    expect((await sendCounters(held.app.db, control)).opens).toBe(1);
  });
});
