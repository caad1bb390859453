// What Mailgun events do: tracking events (bot and MPP rules, our tracking
// URLs, deterministic ids) and the send and contact status rules.
import { RequestClassifier } from '../../src/events/classify';
import { IpHasher } from '../../src/events/event';
import { TokenCodec } from '../../src/events/tokens';
import { mapMailgunEvent, type MailgunEvent } from '../../src/webhooks/map-mailgun-event';
import { classifyWebhookClient, resolveClickTarget, toTrackingEvent, webhookEventUuid } from '../../src/webhooks/map-tracking-event';
import { CONTACT_STATUS_LADDER, contactStatusOf, moreSevere, nextSendState, type SendState } from '../../src/webhooks/status-rules';

const tokens = new TokenCodec('unit-test-tracking-secret-0123456789');
const hasher = new IpHasher('unit-test-tracking-secret-0123456789');
const classifier = new RequestClassifier({ extraBotPatterns: [], countGmailProxy: false });
const helpers = {
  decodeToken: (token: string) => tokens.decode(token),
  hashIp: (sendId: string, ip: string) => hasher.hash(sendId, ip),
  isBotUserAgent: (ua: string) => classifier.isBot(ua),
  isBotNetwork: (ip: string) => classifier.isBotNetwork(ip),
  countGmailProxy: false,
};
const SEND = { orgId: 'acme', sendId: '0b8e0f4e-3c1a-4d5e-9f6a-7b8c9d0e1f2a' };
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15';

function event(overrides: Partial<MailgunEvent>): MailgunEvent {
  return {
    id: 'evt-1',
    type: 'opened',
    name: 'opened',
    severity: null,
    occurredAt: new Date('2026-01-01T10:00:00Z'),
    sendId: SEND.sendId,
    orgId: SEND.orgId,
    messageId: null,
    recipient: null,
    url: null,
    ip: null,
    userAgent: BROWSER,
    clientBot: null,
    deviceType: null,
    ...overrides,
  };
}

describe('classifyWebhookClient', () => {
  it('apple: counted, MPP for opens only', () => {
    expect(classifyWebhookClient('OPEN', 'apple', 'Mozilla/5.0', helpers)).toEqual({ countable: true, bot: false, botReason: null, mpp: true });
    expect(classifyWebhookClient('CLICK', 'apple', BROWSER, helpers)).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
  });
  it('generic or any other bot flag: a bot', () => {
    for (const flag of ['generic', 'gmail', 'true', 'no']) expect(classifyWebhookClient('OPEN', flag, BROWSER, helpers)).toEqual({ countable: false, bot: true, botReason: 'MAILGUN', mpp: false });
  });
  it('gmail follows EMAIL_TRACKING_COUNT_GMAIL_PROXY, like GoogleImageProxy at the pixel', () => {
    const gmailCounted = new RequestClassifier({ extraBotPatterns: [], countGmailProxy: true });
    const counting = { ...helpers, countGmailProxy: true, isBotUserAgent: (ua: string) => gmailCounted.isBot(ua) };
    const proxy = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
    expect(classifyWebhookClient('OPEN', 'gmail', proxy, counting)).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
    expect(classifyWebhookClient('OPEN', 'gmail', null, counting)).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
    expect(classifyWebhookClient('OPEN', 'gmail', proxy, helpers)).toEqual({ countable: false, bot: true, botReason: 'MAILGUN', mpp: false });
    // the switch is about Gmail alone: other flags and bot user agents stay bots
    expect(classifyWebhookClient('OPEN', 'generic', BROWSER, counting).bot).toBe(true);
    expect(classifyWebhookClient('CLICK', 'gmail', 'Mozilla/5.0 (compatible; Barracuda)', counting).bot).toBe(true);
  });
  it('null, empty or absent bot flags say nothing', () => {
    for (const bot of [null, '', undefined]) {
      const mapped = mapMailgunEvent({ event: 'opened', 'client-info': { 'user-agent': BROWSER, ...(bot === undefined ? {} : { bot }) } }, { receivedAt: new Date() });
      expect(mapped?.clientBot).toBeNull();
      expect(classifyWebhookClient('OPEN', mapped!.clientBot, BROWSER, helpers)).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
    }
  });
  it("applies the pixel's user-agent rules: bot list, and Apple's bare Mozilla/5.0", () => {
    expect(classifyWebhookClient('CLICK', null, 'Mozilla/5.0 (compatible; Barracuda)', helpers).bot).toBe(true);
    expect(classifyWebhookClient('OPEN', null, 'Mozilla/5.0', helpers)).toEqual({ countable: true, bot: false, botReason: null, mpp: true });
    expect(classifyWebhookClient('OPEN', null, BROWSER, helpers)).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
  });
  it('flags a client from a scanner network, after the user agent and Mailgun verdicts', () => {
    expect(classifyWebhookClient('CLICK', null, BROWSER, helpers, true)).toEqual({ countable: false, bot: true, botReason: 'NETWORK', mpp: false });
    expect(classifyWebhookClient('CLICK', null, 'curl/8.0', helpers, true).botReason).toBe('USER_AGENT');
    expect(classifyWebhookClient('OPEN', 'generic', BROWSER, helpers, true).botReason).toBe('MAILGUN');
  });
  it('does not call a client without a user agent a bot on that ground alone', () => {
    expect(classifyWebhookClient('OPEN', null, null, helpers)).toEqual({ countable: true, bot: false, botReason: null, mpp: false });
  });
});

describe('resolveClickTarget', () => {
  const token = tokens.encodeClick(SEND.orgId, SEND.sendId, 3, 'https://example.com/x?a=1&b=2');
  it('decodes our tracking URL into the original URL and position', () => {
    expect(resolveClickTarget(`https://t.example/track/click/${token}`, SEND, helpers.decodeToken)).toEqual({ url: 'https://example.com/x?a=1&b=2', position: 3 });
    expect(resolveClickTarget(`http://old-host:4000/track/click/${token}?utm=1`, SEND, helpers.decodeToken).position).toBe(3);
  });
  it("keeps the URL as it is when the token is not this send's, is tampered, or there is none", () => {
    const other = tokens.encodeClick(SEND.orgId, '11111111-1111-4111-8111-111111111111', 0, 'https://evil.example');
    for (const url of [`https://t.example/track/click/${other}`, `https://t.example/track/click/${token.slice(0, -2)}xx`, 'https://example.com/plain']) {
      expect(resolveClickTarget(url, SEND, helpers.decodeToken)).toEqual({ url, position: null });
    }
    expect(resolveClickTarget(null, SEND, helpers.decodeToken)).toEqual({ url: null, position: null });
  });
});

describe('toTrackingEvent', () => {
  it('maps an open with its time, client and a keyed IP hash', () => {
    expect(toTrackingEvent(event({ ip: '192.0.2.1', deviceType: 'mobile' }), SEND, helpers)).toEqual({
      orgId: 'acme',
      sendId: SEND.sendId,
      kind: 'OPEN',
      source: 'WEBHOOK',
      occurredAt: new Date('2026-01-01T10:00:00Z'),
      countable: true,
      bot: false,
      botReason: null,
      mpp: false,
      linkPosition: null,
      url: null,
      userAgent: BROWSER,
      ipHash: hasher.hash(SEND.sendId, '192.0.2.1'),
      id: webhookEventUuid('acme', 'evt-1'),
      clientHints: { webhook: { bot: null, deviceType: 'mobile' } },
    });
  });
  it("flags Mailgun's event-data.ip in a scanner network, IPv4-mapped too, and hashes it like any other", () => {
    for (const ip of ['40.107.1.2', '::ffff:40.92.1.1', '2a01:111:f400::5']) {
      expect(toTrackingEvent(event({ type: 'clicked', name: 'clicked', ip, url: 'https://example.com/a' }), SEND, helpers)).toMatchObject({
        countable: false,
        bot: true,
        botReason: 'NETWORK',
        ipHash: hasher.hash(SEND.sendId, ip),
      });
    }
  });
  it("maps a click on this send's trap link to a TRAP bot click of no link; another send's trap is just a URL", () => {
    const trapUrl = `https://t.example/track/click/${tokens.encodeTrap(SEND.orgId, SEND.sendId)}`;
    expect(toTrackingEvent(event({ type: 'clicked', name: 'clicked', url: trapUrl }), SEND, helpers)).toMatchObject({
      kind: 'CLICK',
      countable: false,
      bot: true,
      botReason: 'TRAP',
      linkPosition: null,
      url: null,
    });
    const otherTrap = `https://t.example/track/click/${tokens.encodeTrap(SEND.orgId, '11111111-1111-4111-8111-111111111111')}`;
    expect(resolveClickTarget(otherTrap, SEND, helpers.decodeToken)).toEqual({ url: otherTrap, position: null });
  });
  it('maps a click on a plain URL without a position (the writer resolves it)', () => {
    expect(toTrackingEvent(event({ type: 'clicked', name: 'clicked', url: 'https://example.com/a' }), SEND, helpers)).toMatchObject({ kind: 'CLICK', url: 'https://example.com/a', linkPosition: null });
  });
  it('has nothing to say about other events', () => {
    for (const type of ['failed', 'complained', 'unsubscribed', 'delivered', 'other'] as const) expect(toTrackingEvent(event({ type }), SEND, helpers)).toBeNull();
  });
});

describe('webhookEventUuid', () => {
  it('is a deterministic, well-formed uuid per organisation and event id', () => {
    const id = webhookEventUuid('acme', 'evt-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(webhookEventUuid('acme', 'evt-1')).toBe(id);
    expect(webhookEventUuid('acme', 'evt-2')).not.toBe(id);
    expect(webhookEventUuid('other', 'evt-1')).not.toBe(id);
  });
});

describe('nextSendState', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute));
  const sent: SendState = { status: 'SENT', changedAt: null };

  it('permanent failure: FAILED for good', () => {
    expect(nextSendState(sent, [{ outcome: 'permanent', at: at(1) }])).toEqual({ status: 'FAILED', changedAt: at(1) });
    const failed: SendState = { status: 'FAILED', changedAt: at(1) };
    expect(nextSendState(failed, [{ outcome: 'delivered', at: at(5) }, { outcome: 'temporary', at: at(6) }])).toBe(failed);
  });

  it('temporary failure then delivery: DEFERRED then SENT', () => {
    const deferred = nextSendState(sent, [{ outcome: 'temporary', at: at(1) }]);
    expect(deferred).toEqual({ status: 'DEFERRED', changedAt: at(1) });
    expect(nextSendState(deferred, [{ outcome: 'delivered', at: at(2) }])).toEqual({ status: 'SENT', changedAt: at(2) });
  });

  it('applies a batch in time order, and ignores a deferral older than the delivery that set the status', () => {
    expect(nextSendState(sent, [{ outcome: 'delivered', at: at(3) }, { outcome: 'temporary', at: at(1) }])).toEqual({ status: 'SENT', changedAt: at(3) });
    const delivered: SendState = { status: 'SENT', changedAt: at(3) };
    expect(nextSendState(delivered, [{ outcome: 'temporary', at: at(2) }])).toBe(delivered);
    expect(nextSendState(delivered, [{ outcome: 'permanent', at: at(2) }])).toEqual({ status: 'FAILED', changedAt: at(2) });
  });
});

describe('contact statuses', () => {
  it('maps events to suppression states', () => {
    expect(contactStatusOf(event({ type: 'failed', severity: 'permanent' }))).toBe('BOUNCED');
    expect(contactStatusOf(event({ type: 'failed', severity: 'temporary' }))).toBeNull();
    expect(contactStatusOf(event({ type: 'complained' }))).toBe('COMPLAINED');
    expect(contactStatusOf(event({ type: 'unsubscribed' }))).toBe('UNSUBSCRIBED');
    expect(contactStatusOf(event({ type: 'opened' }))).toBeNull();
  });

  it('only ever moves up the ladder ACTIVE < UNSUBSCRIBED < BOUNCED < COMPLAINED', () => {
    expect(moreSevere('ACTIVE', 'UNSUBSCRIBED')).toBe('UNSUBSCRIBED');
    expect(moreSevere('BOUNCED', 'UNSUBSCRIBED')).toBe('BOUNCED');
    expect(moreSevere('BOUNCED', 'COMPLAINED')).toBe('COMPLAINED');
    expect(moreSevere('COMPLAINED', 'BOUNCED')).toBe('COMPLAINED');
  });

  it('never moves an erased contact: ERASED tops the ladder and no event leads to it', () => {
    for (const status of ['UNSUBSCRIBED', 'BOUNCED', 'COMPLAINED'] as const) expect(moreSevere('ERASED', status)).toBe('ERASED');
    expect(CONTACT_STATUS_LADDER.at(-1)).toBe('ERASED');
  });
});
