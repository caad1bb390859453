// Bad input to instrumentEmail: BAD_USER_INPUT naming the field, nothing
// recorded, and a server that carries on. Big emails up to the limit pass.
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gqlRaw } from '../support/graphql-client';
import { clickTokens, emailInput, instrument, sendCount, TRACKING_ORIGIN } from '../support/instrument';
import type { InstrumentEmailInput } from '../generated/graphql';

const MiB = 1024 * 1024;

let t: TestApp;
let orgId: string;
let token: string;
beforeAll(async () => {
  t = await startTestApp();
  orgId = uniqueOrg();
  token = await tokenFor(orgId, 'crm', 'service');
});
afterAll(async () => {
  await t.close();
});

async function expectRefused(overrides: Partial<InstrumentEmailInput>, field: string): Promise<void> {
  const before = await sendCount(t.app.db, orgId);
  const result = await instrument(t.url, token, emailInput(overrides));
  expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  expect(result.errors![0]!.message).toMatch(new RegExp(`^${field} `));
  expect(result.data).toBeNull();
  expect(await sendCount(t.app.db, orgId)).toBe(before);
}

const ID_FIELDS = ['senderId', 'contactId', 'senderTeamId', 'campaignId', 'templateId', 'enrollmentId'] as const;
const BAD_IDS = ['', '   ', 'x'.repeat(201), 'a\u0000b', 'tab\there', 'line\nbreak', ' padded', 'padded ', 'x\ud800', '\u0085'];

describe('ids: 1 to 200 characters, no control characters, no surrounding whitespace', () => {
  it.each(ID_FIELDS.flatMap((field) => BAD_IDS.map((value) => [field, value] as const)))('refuses %s = %j', async (field, value) => {
    await expectRefused({ [field]: value }, field);
  });

  it('accepts any other text up to 200 characters, numbers and non-ASCII included', async () => {
    for (const id of ['x'.repeat(200), '42', 'ünïcødé-😀', 'with inner spaces', 'a/b:c#d']) {
      const result = await instrument(t.url, token, emailInput({ contactId: id, campaignId: id, templateId: id, enrollmentId: id }));
      expect(result.errors).toBeUndefined();
    }
  });
});

describe('other fields', () => {
  it.each([
    ['recipientEmail', ['', 'no-at-sign', 'a@b', 'a@@example.com', 'a b@example.com', '@example.com', 'a@example', 'a@-x.com', 'a@1.2.3.4', '"q"@example.com', '.a@example.com', 'a..b@example.com', `${'x'.repeat(65)}@example.com`, `a@${'x'.repeat(250)}.com`, 'a@example.com\n']],
    ['stepIndex', [-1, -2147483648]],
    ['unsubscribeUrl', ['', 'javascript:alert(1)', '/unsubscribe', 'https://', 'ftp://example.com/u', 'https://e.com/a b', 'https://e.com/<x>', 'https://e.com/é', 'mailto:', `https://e.com/${'x'.repeat(2048)}`]],
    ['subject', ['line\nbreak', 'x'.repeat(2001)]],
    ['campaignName', ['x'.repeat(501)]],
    ['templateName', ['nul\u0000']],
    ['messageId', ['', '<>', 'has space@example.com', 'ünï@example.com', `<${'x'.repeat(998)}>`]],
  ] as const)('refuses bad %s values', async (field, values) => {
    for (const value of values) await expectRefused({ [field]: value }, field);
  });

  it('accepts the plausible ones', async () => {
    const good: Partial<InstrumentEmailInput>[] = [
      { recipientEmail: 'a+tag@sub.example.co.uk' },
      { recipientEmail: "o'neil@example.ie" },
      { recipientEmail: 'jürgen@bücher.example' },
      { recipientEmail: 'x@xn--p1ai.xn--p1ai' },
      { stepIndex: 0 },
      { unsubscribeUrl: 'HTTPS://example.com/u?a=1&b=%20' },
      { unsubscribeUrl: 'mailto:leave@example.com?subject=unsubscribe' },
      { subject: 'Ünïcødé ✉ \u{1F600}', campaignName: 'Q3 — “launch”' },
      { messageId: '<20240101.abc@mg.example.com>' },
    ];
    for (const overrides of good) expect((await instrument(t.url, token, emailInput(overrides))).errors).toBeUndefined();
  });

  it('leaves type errors to GraphQL, also as BAD_USER_INPUT', async () => {
    const result = await gqlRaw(t.url, 'mutation($input: InstrumentEmailInput!) { instrumentEmail(input: $input) { sendId } }', {
      input: { ...emailInput(), stepIndex: 'two' },
    }, token);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('size', () => {
  it('accepts 5 MB of HTML with thousands of links (the first 500 tracked), and exactly 8 MiB', async () => {
    const link = '<p><a href="https://example.com/page?id=123&amp;utm_source=crm">A link to a page</a> and some text around it.</p>\n';
    const html = `<html><body>${link.repeat(Math.floor((5 * 1e6) / link.length))}</body></html>`;
    const big = (await instrument(t.url, token, emailInput({ html }))).data!.instrumentEmail;
    expect(big.trackedLinks).toBe(500);
    expect(big.warnings).toEqual(['GMAIL_CLIP_RISK', 'LINKS_CAPPED']); // 5 MB is far past Gmail's clip too
    // the rest are left byte for byte as they came
    expect(big.html!.split(link).length - 1).toBe(Math.floor((5 * 1e6) / link.length) - 500);
    const exact = await instrument(t.url, token, emailInput({ html: 'é'.repeat(4 * MiB), text: 'x'.repeat(8 * MiB) }));
    expect(exact.errors).toBeUndefined();
  }, 30_000);

  it('refuses HTML or text over 8 MiB of UTF-8, counting bytes rather than characters', async () => {
    await expectRefused({ html: 'x'.repeat(8 * MiB + 1) }, 'html');
    await expectRefused({ html: `${'é'.repeat(4 * MiB)}x` }, 'html');
    await expectRefused({ text: '\u{1F600}'.repeat(2 * MiB + 1) }, 'text');
  });

  it('answers 413 to a body over 20 MiB', async () => {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { userId } }', variables: { pad: 'x'.repeat(21 * MiB) } }),
    });
    expect(response.status).toBe(413);
  });
});

describe('after all that', () => {
  it('is healthy and instruments the next email', async () => {
    const health = await fetch(`${t.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', db: 'up' });
    const result = await instrument(t.url, token, emailInput());
    expect(result.data?.instrumentEmail.trackedLinks).toBe(1);
  });
});

describe('EMAIL_TRACKING_MAX_LINKS', () => {
  let capped: TestApp;
  beforeAll(async () => {
    capped = await startTestApp({ EMAIL_TRACKING_MAX_LINKS: '3', PUBLIC_BASE_URL: TRACKING_ORIGIN });
  });
  afterAll(async () => capped.close());

  const links = (count: number) => Array.from({ length: count }, (_, i) => `<a href="https://example.com/${i}">link ${i}</a>`).join(' ');

  it('tracks the first links only, leaves the rest as they are, and says so with LINKS_CAPPED', async () => {
    const html = `<html><body>${links(5)}</body></html>`;
    const email = (await instrument(capped.url, token, emailInput({ html }))).data!.instrumentEmail;
    expect(email.trackedLinks).toBe(3);
    expect(email.warnings).toEqual(['LINKS_CAPPED']);
    expect(clickTokens(email.html!)).toHaveLength(3);
    expect(email.html).toContain('<a href="https://example.com/3">link 3</a> <a href="https://example.com/4">link 4</a><img');
    expect(email.html).not.toContain('https://example.com/2"');
  });

  it('warns about nothing at the cap, or when nothing is tracked', async () => {
    const atCap = (await instrument(capped.url, token, emailInput({ html: `<html><body>${links(3)}</body></html>` }))).data!.instrumentEmail;
    expect(atCap).toEqual({ ...atCap, trackedLinks: 3, warnings: [] });
    const declined = (await instrument(capped.url, token, emailInput({ html: `<html><body>${links(5)}</body></html>`, trackingConsent: false }))).data!.instrumentEmail;
    expect(declined).toEqual({ ...declined, tracked: false, trackedLinks: 0, warnings: [] });
  });
});
