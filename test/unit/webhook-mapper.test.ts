// event-data -> MailgunEvent, on fixtures shaped like Mailgun's documented
// payloads, plus properties: total on any JSON, faithful on known fields.
import fc from 'fast-check';
import { cleanText, contentEventId, mapMailgunEvent, type MailgunEvent } from '../../src/webhooks/map-mailgun-event';

const SEND_ID = '0b8e0f4e-3c1a-4d5e-9f6a-7b8c9d0e1f2a';
const context = { receivedAt: new Date('2026-01-01T00:00:00Z') };

/** Shaped after Mailgun's documented webhook payloads (fields we do not read included). */
const FIXTURES: Record<string, Record<string, unknown>> = {
  opened: {
    id: 'Ase7i2zsRYeDXztHGENqRA',
    timestamp: 1521243339.873676,
    'log-level': 'info',
    event: 'opened',
    message: { headers: { 'message-id': '20130503182626.18666.16540@mg.example.com' } },
    recipient: 'alice@example.com',
    'recipient-domain': 'example.com',
    ip: '50.56.129.169',
    geolocation: { country: 'US', region: 'CA', city: 'San Francisco' },
    tags: ['my_tag_1'],
    'client-info': {
      'client-type': 'mobile browser',
      'client-os': 'iOS',
      'device-type': 'mobile',
      'client-name': 'Mobile Safari',
      'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15',
      bot: '',
    },
    campaigns: [],
    'user-variables': { send_id: SEND_ID.toUpperCase(), org_id: 'acme' },
  },
  clicked: {
    id: 'Ase7i2zsRYeDXztHGENqRB',
    timestamp: 1521243339.873676,
    event: 'clicked',
    url: 'https://track.example.com/track/click/AbC_-1',
    message: { headers: { 'message-id': '<20130503182626.18666.16540@mg.example.com>' } },
    recipient: 'alice@example.com',
    ip: '2001:db8::1',
    'client-info': { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0)', bot: 'Apple' },
    'user-variables': { send_id: SEND_ID, org_id: 'acme' },
  },
  permanentFailure: {
    id: 'G9Bn5sl1TC6nu79C8C0bwg',
    timestamp: 1521233195.375624,
    'log-level': 'error',
    event: 'failed',
    severity: 'permanent',
    reason: 'suppress-bounce',
    'delivery-status': { 'attempt-no': 1, message: '', code: 605, description: 'Not delivering to previously bounced address', 'session-seconds': 0.0 },
    recipient: 'alice@example.com',
    message: { headers: { 'message-id': '20130503182626.18666.16540@mg.example.com' } },
    'user-variables': { send_id: SEND_ID, org_id: 'acme' },
  },
  temporaryFailure: {
    id: 'Fs7-5t81S2ms-boTUd2-lw',
    timestamp: 1521472262.908181,
    event: 'failed',
    severity: 'temporary',
    reason: 'generic',
    'delivery-status': { 'attempt-no': 1, message: '4.2.2 The email account that you tried to reach is over quota.', code: 452 },
    'user-variables': { send_id: SEND_ID, org_id: 'acme' },
  },
  complained: { id: '-Agny091SquKnsrW2NEKUA', timestamp: 1521233123.501324, event: 'complained', recipient: 'alice@example.com', 'user-variables': { org_id: 'acme' }, message: { headers: { 'message-id': 'x@y' } } },
  unsubscribed: { id: 'Ase7i2zsRYeDXztHGENqRC', timestamp: 1521243339.873676, event: 'unsubscribed', 'user-variables': { send_id: SEND_ID } },
  delivered: { id: 'CPgfbmQMTCKtHW6uIWtuVe', timestamp: 1521472262.908181, event: 'delivered', 'user-variables': { send_id: SEND_ID, org_id: 'acme' } },
  accepted: { id: 'jE2nlV52Tq-Ae-A2tEQmNA', timestamp: 1521472262.908181, event: 'accepted', 'user-variables': { send_id: SEND_ID, org_id: 'acme' } },
};

const map = (data: unknown) => mapMailgunEvent(data, context);

describe('mapMailgunEvent on documented payloads', () => {
  it('maps an open: ids, time (fractional seconds), send, client and address', () => {
    expect(map(FIXTURES.opened)).toEqual<MailgunEvent>({
      id: 'Ase7i2zsRYeDXztHGENqRA',
      type: 'opened',
      name: 'opened',
      severity: null,
      occurredAt: new Date(1521243339874),
      sendId: SEND_ID,
      orgId: 'acme',
      messageId: '20130503182626.18666.16540@mg.example.com',
      recipient: 'alice@example.com',
      url: null,
      ip: '50.56.129.169',
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15',
      clientBot: null,
      deviceType: 'mobile',
    });
  });

  it('maps a click: the URL, an IPv6 address, the bot flag in lower case, a bracketed Message-Id', () => {
    expect(map(FIXTURES.clicked)).toMatchObject({ type: 'clicked', url: 'https://track.example.com/track/click/AbC_-1', ip: '2001:db8::1', clientBot: 'apple', messageId: '20130503182626.18666.16540@mg.example.com' });
  });

  it('maps failures by severity', () => {
    expect(map(FIXTURES.permanentFailure)).toMatchObject({ type: 'failed', severity: 'permanent' });
    expect(map(FIXTURES.temporaryFailure)).toMatchObject({ type: 'failed', severity: 'temporary' });
  });

  it('falls back to the SMTP code when no severity is stated (5xx and 6xx are permanent)', () => {
    const failure = (code: unknown) => map({ event: 'failed', 'delivery-status': { code } })?.severity;
    expect([failure(550), failure('554'), failure(605), failure(452), failure(undefined), failure('n/a')]).toEqual(['permanent', 'permanent', 'permanent', 'temporary', 'temporary', 'temporary']);
    expect(map({ event: 'permanent_fail' })).toMatchObject({ type: 'failed', severity: 'permanent' });
    expect(map({ event: 'temporary_fail' })).toMatchObject({ type: 'failed', severity: 'temporary' });
  });

  it("reads an enhanced status code's class when there is no SMTP code (legacy code=5.1.1, enhanced-code, bounce-code)", () => {
    const failure = (status: unknown) => map({ event: 'failed', 'delivery-status': status })?.severity;
    expect([failure({ code: '5.1.1' }), failure({ code: '4.2.2' }), failure({ 'enhanced-code': '5.7.1' }), failure({ 'bounce-code': '5.1.1', code: null })]).toEqual([
      'permanent',
      'temporary',
      'permanent',
      'permanent',
    ]);
    // the SMTP code, when there is one, decides: Mailgun's docs pair 421 with enhanced-code null and 550 with "5.5.0"
    expect([failure({ code: 421, 'enhanced-code': '5.7.1' }), failure(null), failure({ code: '5.1' })]).toEqual(['temporary', 'temporary', 'temporary']);
  });

  it('keeps only addresses as the client IP: sanitised samples carry 888.222.444.111 and xxx.xxx.xxx.xxx', () => {
    const ip = (value: unknown) => map({ event: 'opened', ip: value })?.ip;
    expect([ip('888.222.444.111'), ip('123.123.123.321'), ip('xxx.xxx.xxx.xxx'), ip(''), ip(42), ip('203.0.113.9'), ip('2001:DB8::1')]).toEqual([
      null,
      null,
      null,
      null,
      null,
      '203.0.113.9',
      '2001:db8::1',
    ]);
  });

  it('maps complaints, unsubscribes, deliveries; anything else is "other" under its own name', () => {
    expect(map(FIXTURES.complained)).toMatchObject({ type: 'complained', sendId: null, orgId: 'acme', messageId: 'x@y' });
    expect(map(FIXTURES.unsubscribed)).toMatchObject({ type: 'unsubscribed', sendId: SEND_ID, orgId: null });
    expect(map(FIXTURES.delivered)).toMatchObject({ type: 'delivered' });
    expect(map(FIXTURES.accepted)).toMatchObject({ type: 'other', name: 'accepted' });
    expect(map({ event: 'Rejected' })).toMatchObject({ type: 'other', name: 'rejected' });
  });

  it('ignores a url on anything but a click', () => {
    expect(map({ ...FIXTURES.opened, url: 'https://x.example' })?.url).toBeNull();
  });

  it('derives the id from the content and uses the receipt time when Mailgun gives none (or nonsense)', () => {
    expect(map({ event: 'opened' })).toMatchObject({ id: contentEventId({ event: 'opened' }), occurredAt: context.receivedAt });
    // a retry, signed anew, carries the same event-data: the same id; another event another id
    expect(map({ event: 'opened', recipient: 'a@example.com' })?.id).toBe(map({ event: 'opened', recipient: 'a@example.com' })?.id);
    expect(map({ event: 'opened', recipient: 'a@example.com' })?.id).not.toBe(map({ event: 'opened', recipient: 'b@example.com' })?.id);
    for (const timestamp of [-1, 0, 1e15, 'soon', Number.NaN, null, {}]) {
      expect(map({ event: 'opened', timestamp })?.occurredAt).toEqual(context.receivedAt);
    }
    expect(map({ event: 'opened', timestamp: '1521243339.5' })?.occurredAt).toEqual(new Date(1521243339500));
  });

  it('reads user variables sent as a JSON string, and refuses send ids that are not uuids', () => {
    expect(map({ event: 'opened', 'user-variables': JSON.stringify({ send_id: SEND_ID, org_id: 7 }) })).toMatchObject({ sendId: SEND_ID, orgId: '7' });
    expect(map({ event: 'opened', 'user-variables': { send_id: "1' OR '1'='1" } })?.sendId).toBeNull();
    expect(map({ event: 'opened', 'user-variables': '{broken' })?.sendId).toBeNull();
  });

  it('is not an event without an object and a name', () => {
    for (const data of [null, 'opened', 42, [], {}, { event: '' }, { event: 42 }, { event: '   ' }]) expect(map(data)).toBeNull();
  });

  it('makes strings safe for PostgreSQL text: no NUL, no lone surrogate, bounded length', () => {
    const event = map({ event: 'clicked', id: 'a\0b', url: `https://e.com/\ud800${'x'.repeat(20_000)}`, 'client-info': { 'user-agent': 'UA\0' } });
    expect(event?.id).toBe('a\uFFFDb');
    expect(event?.url?.startsWith('https://e.com/\uFFFD')).toBe(true);
    expect(event?.url?.length).toBe(16_384);
    expect(event?.userAgent).toBe('UA\uFFFD');
  });
});

describe('mapMailgunEvent properties', () => {
  it('never throws on arbitrary JSON, and its strings never hold NUL or lone surrogates', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('event', 'id', 'timestamp', 'user-variables', 'client-info', 'message', 'url', 'ip', 'severity', 'delivery-status'), fc.jsonValue())), (data) => {
        const event = map(data);
        if (event === null) return;
        for (const value of Object.values(event)) {
          if (typeof value === 'string') expect(value).toBe(cleanText(value, 20_000));
        }
        expect(Number.isNaN(event.occurredAt.getTime())).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('maps known fields faithfully', () => {
    const printable = fc.string({ minLength: 1, maxLength: 60 }).filter((text) => cleanText(text, 60) === text);
    fc.assert(
      fc.property(
        fc.record({
          event: fc.constantFrom('opened', 'clicked', 'failed', 'complained', 'unsubscribed', 'delivered', 'accepted', 'stored'),
          id: printable,
          seconds: fc.double({ min: 1e9, max: 4e9, noNaN: true }),
          sendId: fc.uuid(),
          orgId: printable,
          recipient: printable,
          url: printable,
          ip: fc.oneof(fc.ipV4(), fc.ipV6()),
          userAgent: printable,
          bot: fc.option(printable, { nil: undefined }),
          severity: fc.constantFrom('permanent', 'temporary'),
        }),
        (input) => {
          const event = map({
            event: input.event,
            id: input.id,
            timestamp: input.seconds,
            severity: input.severity,
            recipient: input.recipient,
            url: input.url,
            ip: input.ip,
            'client-info': { 'user-agent': input.userAgent, bot: input.bot },
            'user-variables': { send_id: input.sendId, org_id: input.orgId },
          });
          expect(event).not.toBeNull();
          expect(event?.id).toBe(input.id);
          expect(event?.name).toBe(input.event);
          expect(event?.occurredAt.getTime()).toBe(Math.round(input.seconds * 1000));
          expect(event?.sendId).toBe(input.sendId.toLowerCase());
          expect(event?.orgId).toBe(input.orgId);
          expect(event?.recipient).toBe(input.recipient);
          expect(event?.url).toBe(input.event === 'clicked' ? input.url : null);
          expect(event?.ip).toBe(input.ip.toLowerCase());
          expect(event?.userAgent).toBe(input.userAgent);
          expect(event?.clientBot).toBe(input.bot === undefined ? null : input.bot.toLowerCase());
          expect(event?.severity).toBe(input.event === 'failed' ? input.severity : null);
        },
      ),
      { numRuns: 300 },
    );
  });
});
