// Webhook bodies -> signature + event-data: the JSON shape, and the legacy
// form fields (URL-encoded and multipart) rebuilt into the same event-data.
import { legacyWebhook } from '../../src/webhooks/legacy-fields';
import { contentEventId, mapMailgunEvent } from '../../src/webhooks/map-mailgun-event';
import { MAX_FORM_FIELDS, parseFormWebhook, parseJsonWebhook, parseWebhookBody, type ParsedWebhook } from '../../src/webhooks/parse-request';

const SIG = { timestamp: '1700000000', token: 't'.repeat(50), signature: 'ab'.repeat(32) };
const SEND_ID = '0b8e0f4e-3c1a-4d5e-9f6a-7b8c9d0e1f2a';
const receivedAt = new Date('2026-01-01T00:00:00Z');

function ok(result: ReturnType<typeof parseJsonWebhook>): ParsedWebhook {
  if (!result.ok) throw new Error(`expected a webhook, got: ${result.problem}`);
  return result.webhook;
}

describe('JSON shape', () => {
  it('reads the signature block and event-data', () => {
    const webhook = ok(parseJsonWebhook(JSON.stringify({ signature: SIG, 'event-data': { event: 'opened' } })));
    expect(webhook).toEqual({ signature: SIG, eventData: { event: 'opened' }, legacy: false });
  });

  it('keeps a missing or unusable signature as null (refused later as unsigned)', () => {
    expect(ok(parseJsonWebhook(JSON.stringify({ 'event-data': { event: 'opened' } }))).signature).toBeNull();
    expect(ok(parseJsonWebhook(JSON.stringify({ signature: 'x', 'event-data': { event: 'opened' } }))).signature).toBeNull();
  });

  it.each([
    ['bad JSON', '{"signature":'],
    ['not an object', '"hello"'],
    ['an array', '[]'],
    ['no event-data', JSON.stringify({ signature: SIG })],
    ['event-data not an object', JSON.stringify({ signature: SIG, 'event-data': ['opened'] })],
  ])('refuses %s', (_name, body) => {
    expect(parseJsonWebhook(body).ok).toBe(false);
  });
});

describe('legacy form fields', () => {
  it('rebuilds event-data from a legacy open with top-level user variables', () => {
    const legacy = legacyWebhook([
      ['event', 'opened'],
      ['recipient', 'alice@example.com'],
      ['domain', 'mg.example.com'],
      ['message-id', '20130503182626.18666.16540@mg.example.com'],
      ['ip', '50.56.129.169'],
      ['user-agent', 'Mozilla/5.0'],
      ['client-name', 'Mail'],
      ['device-type', 'desktop'],
      ['country', 'US'],
      ['send_id', SEND_ID],
      ['org_id', 'acme'],
      ['timestamp', SIG.timestamp],
      ['token', SIG.token],
      ['signature', SIG.signature],
    ]);
    expect(legacy).toMatchObject({ timestamp: SIG.timestamp, token: SIG.token, signature: SIG.signature });
    expect(mapMailgunEvent(legacy.eventData, { receivedAt })).toEqual({
      id: contentEventId(legacy.eventData),
      type: 'opened',
      name: 'opened',
      severity: null,
      occurredAt: new Date(1_700_000_000_000),
      sendId: SEND_ID,
      orgId: 'acme',
      messageId: '20130503182626.18666.16540@mg.example.com',
      recipient: 'alice@example.com',
      url: null,
      ip: '50.56.129.169',
      userAgent: 'Mozilla/5.0',
      clientBot: null,
      deviceType: 'desktop',
    });
  });

  it('maps bounced and dropped to permanent failures, and reads a failed event with its severity', () => {
    const severity = (fields: [string, string][]) => mapMailgunEvent(legacyWebhook(fields).eventData, { receivedAt });
    expect(severity([['event', 'bounced'], ['code', '550'], ['error', '5.1.1 no such user']])).toMatchObject({ type: 'failed', severity: 'permanent', name: 'failed' });
    expect(severity([['event', 'dropped'], ['reason', 'hardfail']])).toMatchObject({ type: 'failed', severity: 'permanent' });
    expect(severity([['event', 'failed'], ['severity', 'temporary']])).toMatchObject({ type: 'failed', severity: 'temporary' });
    expect(severity([['event', 'failed'], ['code', '421']])).toMatchObject({ type: 'failed', severity: 'temporary' });
    // RFC 3463 codes as legacy webhooks send them (anymail issue #62)
    expect(severity([['event', 'failed'], ['code', '5.1.1']])).toMatchObject({ type: 'failed', severity: 'permanent' });
    expect(severity([['event', 'bounced'], ['code', '5.1.1']])).toMatchObject({ type: 'failed', severity: 'permanent' });
  });

  it('finds user variables and the Message-Id in message-headers and X-Mailgun-Variables', () => {
    const headers = JSON.stringify([
      ['Received', 'by luna.mailgun.net'],
      ['X-Mailgun-Variables', JSON.stringify({ send_id: SEND_ID, org_id: 'from-header' })],
      ['Message-Id', '<abc@crm.example.com>'],
    ]);
    const fromHeaders = mapMailgunEvent(legacyWebhook([['event', 'complained'], ['message-headers', headers]]).eventData, { receivedAt });
    expect(fromHeaders).toMatchObject({ sendId: SEND_ID, orgId: 'from-header', messageId: 'abc@crm.example.com' });
    const fromField = mapMailgunEvent(
      legacyWebhook([
        ['event', 'delivered'],
        ['X-Mailgun-Variables', JSON.stringify({ send_id: SEND_ID, org_id: 'from-field' })],
        ['Message-Id', '<def@crm.example.com>'],
      ]).eventData,
      { receivedAt },
    );
    expect(fromField).toMatchObject({ type: 'delivered', sendId: SEND_ID, orgId: 'from-field', messageId: 'def@crm.example.com' });
  });

  it('takes the last signature fields and the first of every other field when a user variable repeats a name', () => {
    const legacy = legacyWebhook([
      ['event', 'clicked'],
      ['url', 'https://first.example'],
      ['token', 'user-variable-token'],
      ['url', 'https://user-variable.example'],
      ['timestamp', SIG.timestamp],
      ['token', SIG.token],
      ['signature', SIG.signature],
    ]);
    expect(legacy.token).toBe(SIG.token);
    expect(legacy.eventData.url).toBe('https://first.example');
  });

  it('survives broken JSON in message-headers and X-Mailgun-Variables', () => {
    const legacy = legacyWebhook([
      ['event', 'opened'],
      ['message-headers', '[["X-Mailgun-Variables", "{nope'],
      ['X-Mailgun-Variables', 'also not json'],
    ]);
    expect(mapMailgunEvent(legacy.eventData, { receivedAt })).toMatchObject({ type: 'opened', sendId: null, orgId: null });
  });

  it('refuses an empty form and a form without an event', () => {
    expect(parseFormWebhook([]).ok).toBe(false);
    expect(parseFormWebhook([['recipient', 'a@example.com']]).ok).toBe(false);
  });

  it('says so when an inbound-route post (a received message) reaches the event webhook', () => {
    const inbound = parseFormWebhook([['recipient', 'test@inbound.example.com'], ['sender', 'from@example.org'], ['body-plain', 'hi'], ...Object.entries(SIG)]);
    expect(inbound).toEqual({ ok: false, problem: expect.stringContaining('inbound-route post') });
    expect(parseFormWebhook([['recipient', 'a@example.com']])).toEqual({ ok: false, problem: 'form has no event field' });
  });
});

describe('parseWebhookBody', () => {
  const json = JSON.stringify({ signature: SIG, 'event-data': { event: 'opened' } });
  const form = new URLSearchParams([['event', 'opened'], ...Object.entries(SIG)]).toString();

  it('reads JSON by content type, with parameters, and sniffs JSON without one', async () => {
    expect((await parseWebhookBody('application/json; charset=utf-8', Buffer.from(json))).ok).toBe(true);
    expect(await parseWebhookBody(undefined, Buffer.from(json))).toMatchObject({ ok: true, webhook: { legacy: false } });
  });

  it('reads URL-encoded and multipart legacy posts', async () => {
    expect(await parseWebhookBody('application/x-www-form-urlencoded', Buffer.from(form))).toMatchObject({ ok: true, webhook: { legacy: true, signature: SIG } });
    const multipart = new FormData();
    for (const [name, value] of new URLSearchParams(form)) multipart.append(name, value);
    multipart.append('attachment-1', new Blob(['file body']), 'a.txt');
    const request = new Request('http://x/', { method: 'POST', body: multipart });
    const body = Buffer.from(await request.arrayBuffer());
    expect(await parseWebhookBody(request.headers.get('content-type') ?? '', body)).toMatchObject({ ok: true, webhook: { legacy: true, signature: SIG } });
  });

  it('refuses forms of more fields than a webhook has, counted before they are parsed', async () => {
    const many = Array.from({ length: MAX_FORM_FIELDS + 1 }, (_, i) => `f${i}=v`).join('&');
    expect(await parseWebhookBody('application/x-www-form-urlencoded', Buffer.from(`event=opened&${many}`))).toEqual({ ok: false, problem: `form has more than ${MAX_FORM_FIELDS} fields` });
    const multipart = new FormData();
    multipart.append('event', 'opened');
    for (let i = 0; i < MAX_FORM_FIELDS; i++) multipart.append(`f${i}`, 'v');
    const request = new Request('http://x/', { method: 'POST', body: multipart });
    const body = Buffer.from(await request.arrayBuffer());
    expect(await parseWebhookBody(request.headers.get('content-type')!, body)).toEqual({ ok: false, problem: `form has more than ${MAX_FORM_FIELDS} fields` });
    // one field fewer passes the count
    const fewer = new FormData();
    fewer.append('event', 'opened');
    for (let i = 1; i < MAX_FORM_FIELDS; i++) fewer.append(`f${i}`, 'v');
    const fewerRequest = new Request('http://x/', { method: 'POST', body: fewer });
    expect((await parseWebhookBody(fewerRequest.headers.get('content-type')!, Buffer.from(await fewerRequest.arrayBuffer()))).ok).toBe(true);
  });

  it('refuses other content types and broken multipart bodies', async () => {
    expect(await parseWebhookBody('text/plain', Buffer.from(json))).toMatchObject({ ok: false });
    expect(await parseWebhookBody('multipart/form-data; boundary=zz', Buffer.from('garbage'))).toMatchObject({ ok: false });
  });
});
