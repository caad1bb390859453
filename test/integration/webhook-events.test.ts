// Every Mailgun event type, in the JSON and the legacy form shape, signed with
// the platform key: what each one changes, and what a repeat changes (nothing).
import { WebhookEffectsDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import {
  PLATFORM_KEY,
  contactStatus,
  eventData,
  formBody,
  insertContact,
  insertEnrollment,
  jsonBody,
  legacyFields,
  nowSeconds,
  postForm,
  postJson,
  processedEvents,
  sendStatus,
  type EventOptions,
} from '../support/mailgun';
import { insertSend, linkCounters, sendCounters, storedEvents, storedReasons } from '../support/sends';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY, PUBLIC_BASE_URL: 'https://track.example.com' });
});
afterAll(async () => {
  await t.close();
});

type Shape = 'json' | 'form';
const LINKS = ['https://example.com/pricing', 'https://example.com/docs?a=1&b=2'];

async function newSend(links = LINKS) {
  const orgId = uniqueOrg('wh');
  const contactId = `contact-${Math.random().toString(36).slice(2, 8)}`;
  await insertContact(t.app.db, orgId, contactId);
  const send = await insertSend(t.app.db, { orgId, contactId, links });
  return { ...send, contactId };
}

/** Legacy webhooks name failures differently: bounced (permanent), failed + severity otherwise. */
function legacyName(event: string, options: EventOptions): string {
  return event === 'failed' && options.severity === 'permanent' ? 'bounced' : event;
}

async function deliver(shape: Shape, event: string, options: EventOptions, key = PLATFORM_KEY): Promise<Response> {
  if (shape === 'json') return postJson(t.url, jsonBody(key, eventData(event, options)));
  return postForm(t.url, formBody(key, legacyFields(legacyName(event, options), options), { timestamp: options.timestamp }));
}

async function answer(response: Response): Promise<[number, unknown]> {
  return [response.status, await response.json()];
}

describe.each<Shape>(['json', 'form'])('%s webhooks', (shape) => {
  it('opened: a counted webhook open', async () => {
    const send = await newSend();
    expect(await answer(await deliver(shape, 'opened', { sendId: send.sendId, orgId: send.orgId, ip: '203.0.113.9' }))).toEqual([200, { status: 'processed' }]);
    expect((await sendCounters(t.app.db, send)).opens).toBe(1);
    expect(await storedEvents(t.app.db, send)).toEqual([{ kind: 'OPEN', source: 'WEBHOOK', counted: true, bot: false, mpp: false }]);
  });

  it('clicked on our tracking URL: the original URL and its link counters', async () => {
    const send = await newSend();
    const url = `https://track.example.com/track/click/${send.clickTokens[1]}`;
    expect((await deliver(shape, 'clicked', { sendId: send.sendId, orgId: send.orgId, url })).status).toBe(200);
    expect((await sendCounters(t.app.db, send)).clicks).toBe(1);
    expect(await linkCounters(t.app.db, send)).toEqual([
      { position: 0, clicks: 0, unique_clickers: 0 },
      { position: 1, clicks: 1, unique_clickers: 1 },
    ]);
    const [row] = await t.app.db.query(`SELECT url, link_position FROM tracking_events WHERE org_id = $1 AND send_id = $2`, [send.orgId, send.sendId]);
    expect(row).toEqual({ url: LINKS[1], link_position: 1 });
  });

  it('opened and clicked from a mail-security network (event-data.ip): NETWORK bots, never counted', async () => {
    const send = await newSend();
    await deliver(shape, 'opened', { sendId: send.sendId, orgId: send.orgId, ip: '52.100.4.20' });
    await deliver(shape, 'clicked', { sendId: send.sendId, orgId: send.orgId, url: LINKS[0], ip: '2a01:111:f403:c000::1' });
    expect(await sendCounters(t.app.db, send)).toMatchObject({ opens: 0, clicks: 0, bot_opens: 1, bot_clicks: 1 });
    const reasons = (await storedReasons(t.app.db, send)).map((event) => [event.kind, event.counted, event.bot_reason]);
    expect(reasons).toEqual([['CLICK', false, 'NETWORK'], ['OPEN', false, 'NETWORK']]);
  });

  it('failed permanently: send FAILED, contact BOUNCED', async () => {
    const send = await newSend();
    expect(await answer(await deliver(shape, 'failed', { sendId: send.sendId, orgId: send.orgId, severity: 'permanent' }))).toEqual([200, { status: 'processed' }]);
    expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('FAILED');
    expect(await contactStatus(t.app.db, send.orgId, send.contactId)).toBe('BOUNCED');
  });

  it('failed temporarily: send DEFERRED, contact stays ACTIVE, a later delivery makes it SENT', async () => {
    const send = await newSend();
    const at = nowSeconds();
    expect((await deliver(shape, 'failed', { sendId: send.sendId, orgId: send.orgId, severity: 'temporary', timestamp: at - 60 })).status).toBe(200);
    expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('DEFERRED');
    expect(await contactStatus(t.app.db, send.orgId, send.contactId)).toBe('ACTIVE');
    expect((await deliver(shape, 'delivered', { sendId: send.sendId, orgId: send.orgId, timestamp: at - 30 })).status).toBe(200);
    expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('SENT');
  });

  it('complained: contact COMPLAINED and every active enrollment UNENROLLED', async () => {
    const send = await newSend();
    const enrollments = [await insertEnrollment(t.app.db, send.orgId, send.contactId, 'camp-1'), await insertEnrollment(t.app.db, send.orgId, send.contactId, 'camp-2')];
    expect((await deliver(shape, 'complained', { sendId: send.sendId, orgId: send.orgId })).status).toBe(200);
    const admin = await tokenFor(send.orgId, 'admin-1', 'admin');
    const seen = await gql(t.url, WebhookEffectsDocument, { sendId: send.sendId, contactId: send.contactId }, admin);
    expect(seen.data?.contact?.status).toBe('COMPLAINED');
    expect(seen.data?.contact?.enrollments.map((e) => [e.id, e.status]).sort()).toEqual(enrollments.map((id) => [id, 'UNENROLLED']).sort());
  });

  it('unsubscribed: contact UNSUBSCRIBED', async () => {
    const send = await newSend();
    expect((await deliver(shape, 'unsubscribed', { sendId: send.sendId, orgId: send.orgId })).status).toBe(200);
    expect(await contactStatus(t.app.db, send.orgId, send.contactId)).toBe('UNSUBSCRIBED');
    expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('SENT');
  });

  it('delivered and other types: 200, ignored or no change, still handled once', async () => {
    const send = await newSend();
    expect(await answer(await deliver(shape, 'accepted', { sendId: send.sendId, orgId: send.orgId }))).toEqual([200, { status: 'ignored' }]);
    expect((await deliver(shape, 'delivered', { sendId: send.sendId, orgId: send.orgId })).status).toBe(200);
    expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('SENT');
    expect(await processedEvents(t.app.db, send.orgId)).toBe(2);
  });

  it('Apple privacy proxy (client-info.bot = apple): counted and flagged MPP; generic bots: recorded, never counted', async () => {
    const send = await newSend();
    await deliver(shape, 'opened', { sendId: send.sendId, orgId: send.orgId, bot: 'apple', userAgent: 'Mozilla/5.0' });
    await deliver(shape, 'opened', { sendId: send.sendId, orgId: send.orgId, bot: 'generic' });
    await deliver(shape, 'clicked', { sendId: send.sendId, orgId: send.orgId, url: LINKS[0], userAgent: 'Mozilla/5.0 (compatible; Barracuda link check)' });
    const counters = await sendCounters(t.app.db, send);
    expect([counters.opens, counters.mpp_opens, counters.clicks]).toEqual([1, 1, 0]);
    // Legacy timestamps are whole seconds: the three may tie, so compare as a set.
    const stored = await storedEvents(t.app.db, send);
    expect(stored).toHaveLength(3);
    expect(stored).toEqual(
      expect.arrayContaining([
        { kind: 'OPEN', source: 'WEBHOOK', counted: true, bot: false, mpp: true },
        { kind: 'OPEN', source: 'WEBHOOK', counted: false, bot: true, mpp: false },
        { kind: 'CLICK', source: 'WEBHOOK', counted: false, bot: true, mpp: false },
      ]),
    );
  });
});

describe('repeats', () => {
  it('the same event id is handled once however often it arrives, concurrently or not', async () => {
    const send = await newSend();
    const data = eventData('opened', { sendId: send.sendId, orgId: send.orgId });
    const bodies = Array.from({ length: 8 }, () => jsonBody(PLATFORM_KEY, data));
    const answers = await Promise.all(bodies.map(async (body) => JSON.stringify(await (await postJson(t.url, body)).json())));
    expect(answers.sort()).toEqual([...Array(7).fill('{"status":"duplicate"}'), '{"status":"processed"}']);
    expect(await answer(await postJson(t.url, bodies[0]))).toEqual([200, { status: 'duplicate' }]);
    expect((await sendCounters(t.app.db, send)).opens).toBe(1);
    expect(await storedEvents(t.app.db, send)).toHaveLength(1);
  });

  it('an event without an id, signed anew by a retry, is handled once (its id comes from its content)', async () => {
    for (const shape of ['json', 'form'] as const) {
      const send = await newSend();
      const at = nowSeconds();
      const data = eventData('opened', { sendId: send.sendId, orgId: send.orgId, timestamp: at });
      delete data.id;
      const post = () =>
        shape === 'json'
          ? postJson(t.url, jsonBody(PLATFORM_KEY, data))
          : postForm(t.url, formBody(PLATFORM_KEY, legacyFields('opened', { sendId: send.sendId, orgId: send.orgId }), { timestamp: at }));
      expect(await answer(await post())).toEqual([200, { status: 'processed' }]);
      expect(await answer(await post())).toEqual([200, { status: 'duplicate' }]);
      expect(await storedEvents(t.app.db, send)).toHaveLength(1);
    }
  });

  it('an event dated long before its send (a test payload) is dated at the send; within a day it keeps its time', async () => {
    const send = await newSend();
    const [{ sent_at: sentAt }] = await t.app.db.query(`SELECT sent_at FROM sends WHERE org_id = $1 AND id = $2`, [send.orgId, send.sendId]);
    await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('opened', { sendId: send.sendId, orgId: send.orgId, timestamp: 1521243339.873676 })));
    const hourBefore = sentAt.getTime() / 1000 - 3600;
    await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('clicked', { sendId: send.sendId, orgId: send.orgId, url: LINKS[0], timestamp: hourBefore })));
    const rows = await t.app.db.query(`SELECT kind, occurred_at FROM tracking_events WHERE org_id = $1 AND send_id = $2 ORDER BY kind DESC`, [send.orgId, send.sendId]);
    expect(rows).toEqual([
      { kind: 'OPEN', occurred_at: sentAt },
      { kind: 'CLICK', occurred_at: new Date(Math.round(hourBefore * 1000)) },
    ]);
    expect((await sendCounters(t.app.db, send)).first_opened_at).toEqual(sentAt);
  });

  it('a permanent failure after a delivery wins; a late deferral never undoes a delivery', async () => {
    const send = await newSend();
    const at = nowSeconds();
    await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('delivered', { sendId: send.sendId, orgId: send.orgId, timestamp: at - 10 })));
    await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('failed', { sendId: send.sendId, orgId: send.orgId, severity: 'temporary', timestamp: at - 100 })));
    expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('SENT');
    await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('failed', { sendId: send.sendId, orgId: send.orgId, severity: 'permanent', timestamp: at })));
    await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('delivered', { sendId: send.sendId, orgId: send.orgId, timestamp: at + 5 })));
    expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('FAILED');
  });

  it('a complained contact is not moved back down by a later unsubscribe', async () => {
    const send = await newSend();
    await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('complained', { sendId: send.sendId, orgId: send.orgId })));
    await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('unsubscribed', { sendId: send.sendId, orgId: send.orgId })));
    expect(await contactStatus(t.app.db, send.orgId, send.contactId)).toBe('COMPLAINED');
  });
});

describe('finding the send', () => {
  it('by send_id alone, across organisations', async () => {
    const send = await newSend();
    expect((await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('opened', { sendId: send.sendId })))).status).toBe(200);
    expect((await sendCounters(t.app.db, send)).opens).toBe(1);
  });

  it('by Message-Id when there is no send_id (org_id, given or not, does not narrow it)', async () => {
    const orgId = uniqueOrg('wh');
    await insertContact(t.app.db, orgId, 'c-mid');
    // Message-Ids are unique in the world: one shared with another test's send would (rightly) match neither.
    const messageId = `${orgId}.123@crm.example.com`;
    const send = await insertSend(t.app.db, { orgId, contactId: 'c-mid', messageId: `<${messageId}>` });
    const response = await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('failed', { sendId: null, orgId, severity: 'permanent', messageId })));
    expect(response.status).toBe(200);
    expect(await sendStatus(t.app.db, orgId, send.sendId)).toBe('FAILED');
  });

  it('creates the contact row when the CRM never registered it, so the bounce holds', async () => {
    const orgId = uniqueOrg('wh');
    const send = await insertSend(t.app.db, { orgId, contactId: 'never-seen', email: 'gone@example.com' });
    await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('failed', { sendId: send.sendId, orgId, severity: 'permanent' })));
    expect(await contactStatus(t.app.db, orgId, 'never-seen')).toBe('BOUNCED');
  });

  it('an event of an unknown send, verified with the platform key: 200 and ignored', async () => {
    const response = await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('opened', { sendId: '00000000-0000-4000-8000-000000000000', orgId: uniqueOrg() })));
    expect(await answer(response)).toEqual([200, { status: 'ignored' }]);
  });
});

describe('the 10-minute cross-source dedupe', () => {
  it('a pixel open then a webhook open 3 minutes later: one counted; 11 minutes later: two', async () => {
    for (const [minutes, expected] of [
      [3, 1],
      [11, 2],
    ] as const) {
      const send = await newSend();
      const pixel = await fetch(`${t.url}/track/open/${send.openToken}.gif`, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15' } });
      expect(pixel.status).toBe(200);
      await t.app.recorder.flush();
      await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('opened', { sendId: send.sendId, orgId: send.orgId, timestamp: nowSeconds() + minutes * 60 })));
      expect((await sendCounters(t.app.db, send)).opens).toBe(expected);
    }
  });
});

describe("Gmail's image proxy (client-info.bot = gmail)", () => {
  it('is a bot by default and a counted open with EMAIL_TRACKING_COUNT_GMAIL_PROXY=true', async () => {
    const counting = await startTestApp({ MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY, EMAIL_TRACKING_COUNT_GMAIL_PROXY: 'true' });
    try {
      for (const [app, counted] of [[t, false], [counting, true]] as const) {
        const send = await newSend();
        const gmail = { sendId: send.sendId, orgId: send.orgId, bot: 'gmail', userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' };
        expect((await postJson(app.url, jsonBody(PLATFORM_KEY, eventData('opened', gmail)))).status).toBe(200);
        expect((await sendCounters(t.app.db, send)).opens).toBe(counted ? 1 : 0);
        expect(await storedEvents(t.app.db, send)).toEqual([{ kind: 'OPEN', source: 'WEBHOOK', counted, bot: !counted, mpp: false }]);
      }
    } finally {
      await counting.close();
    }
  });
});
