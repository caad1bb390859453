// Opens and clicks go out once settled, with their machine window closed (a
// real 70 s wait: the window is 60 s, plus the writer's lag), each once, to
// a real receiver: a person's to every endpoint, a BURST scanner's never to
// a humanOnly one, an Apple MPP open only to one that is not; and a counted
// open already delivered that is taken back goes out as email.reclassified.
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { eventData, jsonBody, PLATFORM_KEY, postJson } from '../support/mailgun';
import { createEndpoint, verifies, type CreatedEndpoint } from '../support/outbound';
import { Receiver, type ReceivedWebhook } from '../support/receiver';
import { APPLE_PROXY, fetchPixel, followLink } from '../support/scratch-app';
import { insertSend, type TestSend } from '../support/sends';

let app: TestApp;
let receiver: Receiver;
let everything: CreatedEndpoint;
let humans: CreatedEndpoint;
let orgId: string;
let person: TestSend;
let scanned: TestSend;
let mpp: TestSend;
let webhookOpen: TestSend;
let startedAt: number;

const SETTLED_MS = 70_000;

beforeAll(async () => {
  app = await startTestApp({ TRUST_PROXY: '1', MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY, EMAIL_TRACKING_WEBHOOK_ALLOW_PRIVATE: 'true' });
  app.app.outbound.start();
  receiver = await new Receiver().start();
  orgId = uniqueOrg('outbound-settling');
  const owner = await tokenFor(orgId, 'olivia', 'owner');
  everything = await createEndpoint(app.url, owner, `${receiver.url}?all`);
  humans = await createEndpoint(app.url, owner, `${receiver.url}?humans`, { humanOnly: true, events: ['OPENED', 'CLICKED', 'RECLASSIFIED'] });
  const links = ['https://example.com/a', 'https://example.com/b', 'https://example.com/c'];
  [person, scanned, mpp, webhookOpen] = await Promise.all(
    ['c-person', 'c-scanned', 'c-mpp', 'c-webhook'].map((contactId) => insertSend(app.app.db, { orgId, contactId, campaignId: 'drip', links })),
  );
  startedAt = Date.now();
  // A person opens and clicks one link.
  await fetchPixel(app.url, person.openToken, { ip: '203.0.113.10' });
  await followLink(app.url, person.clickTokens[1], { ip: '203.0.113.10' });
  // A scanner follows every link within a second: BURST.
  for (const token of scanned.clickTokens) await followLink(app.url, token, { ip: '203.0.113.20' });
  // Apple's proxy fetches the pixel: counted, and MPP.
  await fetchPixel(app.url, mpp.openToken, { userAgent: APPLE_PROXY, ip: '17.58.0.1' });
  // Mailgun reports an open from 80 s ago: settled already, so it goes out at once.
  const data = eventData('opened', { sendId: webhookOpen.sendId, orgId, timestamp: (Date.now() - 80_000) / 1000 });
  expect((await postJson(app.url, jsonBody(PLATFORM_KEY, data))).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await receiver?.close();
});

const at = (endpoint: 'all' | 'humans', send: TestSend, type?: string) =>
  receiver.received.filter((hook) => hook.path.endsWith(`?${endpoint}`) && hook.json.data.sendId === send.sendId && (!type || hook.json.type === type));

test('a counted open already delivered, then taken back by the pixel, goes out as email.reclassified to where it went', async () => {
  await receiver.waitFor(() => at('all', webhookOpen, 'email.opened').length === 1 && at('humans', webhookOpen, 'email.opened').length === 1, 30_000, 'the webhook open');
  const [original] = at('humans', webhookOpen, 'email.opened');
  expect(original.json.data).toMatchObject({ source: 'WEBHOOK', counted: true, bot: false, mpp: false, firstForSend: true, contactId: 'c-webhook' });

  await fetchPixel(app.url, webhookOpen.openToken, { ip: '203.0.113.30' });
  await receiver.waitFor(() => at('humans', webhookOpen, 'email.reclassified').length === 1 && at('all', webhookOpen, 'email.reclassified').length === 1, 15_000, 'the reclassification');
  const [reclassified] = at('humans', webhookOpen, 'email.reclassified');
  expect(reclassified.id).not.toBe(original.id);
  expect(reclassified.json.data).toMatchObject({ eventId: original.json.data.eventId, counted: false, bot: false, source: 'WEBHOOK' });
  expect(verifies(humans.secret, reclassified)).toBe(true);
}, 60_000);

test('a person\'s open and click go out once each, after settling, to both endpoints; nothing of them earlier', async () => {
  await receiver.waitFor(
    () => ['all', 'humans'].every((endpoint) => at(endpoint as 'all', person).length === 2),
    SETTLED_MS + 25_000 - (Date.now() - startedAt),
    "the person's open and click",
  );
  for (const endpoint of ['all', 'humans'] as const) {
    const hooks = at(endpoint, person);
    expect(hooks.map((hook) => hook.json.type).sort()).toEqual(['email.clicked', 'email.opened']);
    // Settled: not before the window closed, and within 15 s of it.
    for (const hook of hooks) {
      const occurred = Date.parse(hook.json.timestamp);
      expect(hook.at - occurred).toBeGreaterThanOrEqual(60_000);
      expect(hook.at - occurred).toBeLessThan(60_000 + 15_000 + 5_000);
      expect(verifies(endpoint === 'all' ? everything.secret : humans.secret, hook)).toBe(true);
    }
  }
  const click = at('humans', person, 'email.clicked')[0].json;
  expect(click).toEqual({
    type: 'email.clicked',
    timestamp: click.timestamp,
    data: {
      eventId: expect.any(String),
      sendId: person.sendId,
      campaignId: 'drip',
      templateId: null,
      enrollmentId: null,
      stepIndex: null,
      senderId: 'sender-1',
      contactId: 'c-person',
      occurredAt: click.timestamp,
      source: 'REDIRECT',
      counted: true,
      bot: false,
      botReason: null,
      mpp: false,
      firstForSend: true,
      url: 'https://example.com/b',
      linkName: null,
    },
  });
  const bodies = receiver.received.map((hook) => hook.body).join('\n');
  expect(bodies).not.toMatch(/someone@example\.com|203\.0\.113\.|17\.58\.0\.1/);
}, SETTLED_MS + 30_000);

test("a BURST scanner's clicks never reach the humanOnly endpoint; an MPP open reaches only the other", async () => {
  await receiver.waitFor(() => at('all', scanned).length === 3 && at('all', mpp).length === 1, SETTLED_MS + 25_000 - (Date.now() - startedAt), 'the scanner and MPP events');
  // Whatever else is due has gone out by now; a few seconds more for stragglers.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(at('all', scanned).map((hook) => [hook.json.type, hook.json.data.counted, hook.json.data.bot, hook.json.data.botReason])).toEqual([
    ['email.clicked', false, true, 'BURST'],
    ['email.clicked', false, true, 'BURST'],
    ['email.clicked', false, true, 'BURST'],
  ]);
  expect(at('humans', scanned)).toEqual([]);
  expect(at('all', mpp).map((hook) => [hook.json.type, hook.json.data.counted, hook.json.data.mpp])).toEqual([['email.opened', true, true]]);
  expect(at('humans', mpp)).toEqual([]);
  // Each webhook-id once per endpoint.
  const seen = receiver.received.map((hook: ReceivedWebhook) => `${hook.path} ${hook.id}`);
  expect(new Set(seen).size).toBe(seen.length);
}, SETTLED_MS + 30_000);
