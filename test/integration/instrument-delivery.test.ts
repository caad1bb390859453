// What instrumentEmail hands back besides the HTML (headers, Mailgun
// variables), and the cases where nothing is instrumented but a send is
// still recorded: tracking off, no HTML, no consent.
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { emailInput, instrument, sendCount, storedLinks, storedSend, TRACKING_ORIGIN } from '../support/instrument';

let t: TestApp;
let off: TestApp;
beforeAll(async () => {
  [t, off] = await Promise.all([
    startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN }),
    startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, EMAIL_TRACKING_ENABLED: 'false' }),
  ]);
});
afterAll(async () => {
  await Promise.all([t.close(), off.close()]);
});

const HTML = '<html><body><a href="https://example.com/a">a</a></body></html>';

async function serviceCall(app: TestApp, overrides: Parameters<typeof emailInput>[0]) {
  const orgId = uniqueOrg();
  const result = await instrument(app.url, await tokenFor(orgId, 'crm', 'service'), emailInput(overrides));
  expect(result.errors).toBeUndefined();
  return { orgId, email: result.data!.instrumentEmail };
}

describe('untracked sends: the input comes back unchanged and the send is recorded', () => {
  it.each([
    ['tracking is disabled (EMAIL_TRACKING_ENABLED=false)', () => off, { html: HTML }],
    ['html is null', () => t, { html: null }],
    ['html is absent', () => t, { html: undefined }],
    ['the recipient declined tracking', () => t, { html: HTML, trackingConsent: false }],
  ] as const)('when %s', async (_case, app, overrides) => {
    const { orgId, email } = await serviceCall(app(), { ...overrides, text: 'plain \r\n text' });
    expect(email).toMatchObject({ html: overrides.html ?? null, text: 'plain \r\n text', tracked: false, trackedLinks: 0 });
    expect(await storedSend(app().app.db, orgId, email.sendId)).toMatchObject({ tracked: false, tracked_links: 0 });
    expect(await storedLinks(app().app.db, orgId, email.sendId)).toEqual([]);
  });

  it('tracks with trackingConsent true or null, and tracks an email with no links (the pixel alone)', async () => {
    for (const trackingConsent of [true, null]) {
      const { email } = await serviceCall(t, { html: HTML, trackingConsent });
      expect([email.tracked, email.trackedLinks]).toEqual([true, 1]);
    }
    const { email } = await serviceCall(t, { html: '<p>no links</p>' });
    expect(email).toMatchObject({ tracked: true, trackedLinks: 0 });
    expect(email.html).toMatch(new RegExp(`^<p>no links</p><img src="${TRACKING_ORIGIN}/track/open/[A-Za-z0-9_-]+\\.gif" `));
  });
});

describe('mailgunVariables and headers', () => {
  it('names the send and the organisation for the Mailgun webhooks', async () => {
    const { orgId, email } = await serviceCall(t, {});
    expect(email.sendId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(email.mailgunVariables).toEqual({ send_id: email.sendId, org_id: orgId });
    // a Message-Id minted for the send, at the tracking host, stored with it
    expect(email.headers).toEqual({ 'Message-Id': `<${email.sendId}@track.example.test>` });
    expect((await storedSend(t.app.db, orgId, email.sendId))?.message_id).toBe(`${email.sendId}@track.example.test`);
  });

  it("gives back the caller's own Message-Id when it names one", async () => {
    const { email } = await serviceCall(t, { messageId: '<20240101.abc@mg.crm.example>' });
    expect(email.headers).toEqual({ 'Message-Id': '<20240101.abc@mg.crm.example>' });
  });

  it('adds List-Unsubscribe and, for http(s), one-click List-Unsubscribe-Post', async () => {
    const https = 'https://example.com/unsubscribe?c=1&t=abc';
    expect((await serviceCall(t, { unsubscribeUrl: https })).email.headers).toEqual({
      'Message-Id': expect.stringMatching(/^<[0-9a-f-]{36}@track\.example\.test>$/),
      'List-Unsubscribe': `<${https}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect((await serviceCall(t, { unsubscribeUrl: 'http://example.com/u', messageId: 'm1@crm.example' })).email.headers).toEqual({
      'Message-Id': '<m1@crm.example>',
      'List-Unsubscribe': '<http://example.com/u>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect((await serviceCall(t, { unsubscribeUrl: 'mailto:unsubscribe@example.com?subject=stop', messageId: 'm2@crm.example' })).email.headers).toEqual({
      'Message-Id': '<m2@crm.example>',
      'List-Unsubscribe': '<mailto:unsubscribe@example.com?subject=stop>',
    });
  });

  it('gives the headers on untracked sends too, and never tracks the unsubscribe link', async () => {
    const unsubscribeUrl = 'https://example.com/u?a=1&b=2';
    const untracked = await serviceCall(off, { html: HTML, unsubscribeUrl, messageId: 'm3@crm.example' });
    expect(untracked.email.headers).toEqual({
      'Message-Id': '<m3@crm.example>',
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    const html = '<a href="https://example.com/u?a=1&amp;b=2">leave</a><a href="https://example.com/x">x</a>';
    const tracked = await serviceCall(t, { html, unsubscribeUrl });
    expect(tracked.email.trackedLinks).toBe(1);
    expect(tracked.email.html).toContain('<a href="https://example.com/u?a=1&amp;b=2">leave</a>');
  });
});

describe('retries', () => {
  it('records a new send for every call, even with the same messageId', async () => {
    const orgId = uniqueOrg();
    const token = await tokenFor(orgId, 'crm', 'service');
    const input = emailInput({ html: HTML, messageId: '<retry-1@crm.example.com>' });
    const first = (await instrument(t.url, token, input)).data!.instrumentEmail;
    const second = (await instrument(t.url, token, input)).data!.instrumentEmail;
    expect(second.sendId).not.toBe(first.sendId);
    expect(second.html).not.toBe(first.html);
    expect(await sendCount(t.app.db, orgId)).toBe(2);
    // stored without the angle brackets, as Mailgun reports it
    expect((await storedSend(t.app.db, orgId, first.sendId))?.message_id).toBe('retry-1@crm.example.com');
  });
});
