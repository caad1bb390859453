// Subscription.activity over /graphql/stream on one server: what arrives and
// with which flags, who is refused before a stream opens, humanOnly, and a
// machine found after the fact arriving as RECLASSIFIED.
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gqlRaw } from '../support/graphql-client';
import { BOT_UA, hitLink, hitPixel, MPP_UA, openLiveStream, PERSON_UA, type LiveStream, type StreamVariables } from '../support/live-stream';
import { eventData, insertContact, jsonBody, PLATFORM_KEY, postJson } from '../support/mailgun';
import { insertSend } from '../support/sends';

let t: TestApp;
const streams: LiveStream[] = [];

function stream(...args: Parameters<typeof openLiveStream>): LiveStream {
  const opened = openLiveStream(...args);
  streams.push(opened);
  return opened;
}

beforeAll(async () => {
  t = await startTestApp({ TRUST_PROXY: '1', MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY });
});
afterEach(() => {
  for (const opened of streams.splice(0)) opened.close();
});
afterAll(async () => {
  await t.close();
});

describe('Subscription.activity', () => {
  it('delivers an open and a click, with their send and flags, within 2 s', async () => {
    const org = uniqueOrg('live');
    const send = await insertSend(t.app.db, { orgId: org, senderId: 'rep-1', contactId: 'c-9', email: 'ada@example.com', campaignId: 'spring', links: ['https://example.com/offer'] });
    const live = stream(t.url, await tokenFor(org, 'boss', 'owner'));
    await live.connected;

    const openedAt = Date.now();
    await hitPixel(t.url, send.openToken, PERSON_UA, '192.0.2.10');
    const open = await live.waitFor((event) => event.type === 'OPENED');
    expect(open.arrivedAt - openedAt).toBeLessThan(2_000);
    expect(open).toEqual(
      expect.objectContaining({
        sendId: send.sendId,
        campaignId: 'spring',
        templateId: null,
        contactId: 'c-9',
        email: 'ada@example.com',
        source: 'PIXEL',
        counted: true,
        bot: false,
        botReason: null,
        mpp: false,
        url: null,
      }),
    );

    await hitLink(t.url, send.clickTokens[0], PERSON_UA, '192.0.2.10');
    const click = await live.waitFor((event) => event.type === 'CLICKED');
    expect(click).toEqual(expect.objectContaining({ sendId: send.sendId, source: 'REDIRECT', counted: true, bot: false, url: 'https://example.com/offer' }));
  });

  it('refuses a missing, malformed, invalid or expired token before the stream opens', async () => {
    const org = uniqueOrg('live');
    const expired = await tokenFor(org, 'boss', 'owner', undefined, '-1s');
    for (const authorization of [undefined, 'Basic abc', 'Bearer not-a-jwt', `Bearer ${expired}`]) {
      const response = await fetch(`${t.url}/graphql/stream`, {
        method: 'POST',
        headers: { accept: 'text/event-stream', 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query: 'subscription { activity { id } }' }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expect(t.app.live.openStreams).toBe(0);
  });

  it('counts a stream as attached only once it listens and is in the fan-out, not while it is still opening', async () => {
    const org = uniqueOrg('live');
    // Hold the lock recordStream takes for this user, so the stream stays half-open.
    const blocker = t.app.db.createQueryRunner();
    await blocker.connect();
    const key = `live-streams\n${org}\nboss`;
    await blocker.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [key]);
    let live: LiveStream;
    try {
      live = stream(t.url, await tokenFor(org, 'boss', 'owner'));
      for (let attempt = 0; attempt < 200 && t.app.live.openStreams === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(t.app.live.openStreams).toBe(1);
      expect(t.app.live.attachedStreams).toBe(0);
    } finally {
      await blocker.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key]);
      await blocker.release();
    }
    await live.connected;
    expect(t.app.live.attachedStreams).toBe(1);
    expect(t.app.live.isListening).toBe(true);
    live.close();
    for (let attempt = 0; attempt < 40 && t.app.live.attachedStreams > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(t.app.live.attachedStreams).toBe(0);
  });

  it('ends a stream when the token that opened it expires', async () => {
    const live = stream(t.url, await tokenFor(uniqueOrg('live'), 'boss', 'owner', undefined, '3s'));
    await live.connected;
    expect(t.app.live.openStreams).toBe(1);
    const opened = Date.now();
    await live.ended;
    expect(Date.now() - opened).toBeLessThan(5_000);
    for (let attempt = 0; attempt < 40 && t.app.live.openStreams > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(t.app.live.openStreams).toBe(0);
  });

  it('serves subscriptions only, under the same query limits as /graphql', async () => {
    const token = await tokenFor(uniqueOrg('live'), 'boss', 'owner');
    const post = (query: string, accept = 'text/event-stream') =>
      fetch(`${t.url}/graphql/stream`, {
        method: 'POST',
        headers: { accept, 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
    const query = await post('{ viewer { userId } }');
    expect(query.status).toBe(400);
    expect(await query.text()).toMatch(/Only subscriptions are served/);
    expect((await post('subscription { activity { id } }', 'application/json')).status).toBe(406);
    // And /graphql sends subscriptions here.
    const elsewhere = await gqlRaw(t.url, 'subscription { activity { id } }', {}, token);
    expect(elsewhere.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Subscriptions are served at \/graphql\/stream/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);

    const aliases = Array.from({ length: 31 }, (_, index) => `a${index}: id`).join(' ');
    const overLimit = stream(t.url, token, {}, `subscription { activity { ${aliases} } }`);
    await overLimit.ended;
    expect(overLimit.errors.map((error) => error.message)).toEqual([expect.stringMatching(/31 aliases exceed the limit of 30/)]);
    expect(t.app.live.openStreams).toBe(0);
  });

  it('keeps to people with humanOnly, and marks machines and Apple MPP otherwise', async () => {
    const org = uniqueOrg('live');
    const token = await tokenFor(org, 'boss', 'owner');
    const [person, proxy, bot] = await Promise.all([1, 2, 3].map(() => insertSend(t.app.db, { orgId: org })));
    const everything = stream(t.url, token);
    const people = stream(t.url, token, { humanOnly: true });
    await Promise.all([everything.connected, people.connected]);

    await hitPixel(t.url, bot.openToken, BOT_UA, '192.0.2.21');
    await hitPixel(t.url, proxy.openToken, MPP_UA, '192.0.2.22');
    await hitPixel(t.url, person.openToken, PERSON_UA, '192.0.2.23');

    await people.waitFor((event) => event.sendId === person.sendId);
    const machine = await everything.waitFor((event) => event.sendId === bot.sendId);
    expect(machine).toEqual(expect.objectContaining({ type: 'OPENED', counted: false, bot: true, botReason: 'USER_AGENT', mpp: false }));
    const apple = await everything.waitFor((event) => event.sendId === proxy.sendId);
    expect(apple).toEqual(expect.objectContaining({ type: 'OPENED', counted: true, bot: false, mpp: true }));
    await everything.waitFor((event) => event.sendId === person.sendId);
    // Written in the order requested: nothing else can still be on its way to the humanOnly stream.
    expect(people.events.map((event) => event.sendId)).toEqual([person.sendId]);
  });

  it('sends a click later found to be a scanner\'s sweep (BURST) again, as RECLASSIFIED', async () => {
    const org = uniqueOrg('live');
    const token = await tokenFor(org, 'boss', 'owner');
    const send = await insertSend(t.app.db, { orgId: org, links: ['https://example.com/a', 'https://example.com/b'] });
    const everything = stream(t.url, token);
    const people = stream(t.url, token, { humanOnly: true });
    await Promise.all([everything.connected, people.connected]);

    await hitLink(t.url, send.clickTokens[0], PERSON_UA, '198.51.100.7');
    const first = await people.waitFor((event) => event.type === 'CLICKED');
    expect(first).toEqual(expect.objectContaining({ counted: true, bot: false, url: 'https://example.com/a' }));

    // A second link of the send from the same address within 5 s: a sweep.
    await hitLink(t.url, send.clickTokens[1], PERSON_UA, '198.51.100.7');
    const second = await everything.waitFor((event) => event.url === 'https://example.com/b');
    expect(second).toEqual(expect.objectContaining({ type: 'CLICKED', counted: false, bot: true, botReason: 'BURST' }));
    const flip = await everything.waitFor((event) => event.type === 'RECLASSIFIED');
    expect(flip).toEqual(expect.objectContaining({ id: first.id, sendId: send.sendId, counted: false, bot: true, botReason: 'BURST', url: 'https://example.com/a' }));
    // The humanOnly stream showed the first click, so it hears that it was not a person's; it never sees the sweep's own click.
    await people.waitFor((event) => event.type === 'RECLASSIFIED' && event.id === first.id);
    expect(people.events.map((event) => event.type)).toEqual(['CLICKED', 'RECLASSIFIED']);
  });

  it('sends an open made by a client that then follows the hidden trap link again, as RECLASSIFIED (TRAP)', async () => {
    const org = uniqueOrg('live');
    const send = await insertSend(t.app.db, { orgId: org });
    const live = stream(t.url, await tokenFor(org, 'boss', 'owner'));
    await live.connected;
    await hitPixel(t.url, send.openToken, PERSON_UA, '203.0.113.5');
    const open = await live.waitFor((event) => event.type === 'OPENED');
    expect(open.counted).toBe(true);

    await hitLink(t.url, send.trapToken, PERSON_UA, '203.0.113.5');
    const flip = await live.waitFor((event) => event.type === 'RECLASSIFIED');
    expect(flip).toEqual(expect.objectContaining({ id: open.id, url: null, counted: false, bot: true, botReason: 'TRAP' }));
  });

  it("sends a webhook open taken back by the pixel's own open again, as RECLASSIFIED", async () => {
    const org = uniqueOrg('live');
    await insertContact(t.app.db, org, 'c-wh');
    const send = await insertSend(t.app.db, { orgId: org, contactId: 'c-wh' });
    const live = stream(t.url, await tokenFor(org, 'boss', 'owner'));
    await live.connected;
    const answer = await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('opened', { sendId: send.sendId, orgId: org })));
    expect(answer.status).toBe(200);
    const webhook = await live.waitFor((event) => event.type === 'OPENED' && event.source === 'WEBHOOK');
    expect(webhook.counted).toBe(true);

    // The pixel reports the same open: it counts, and the webhook's copy no longer does.
    await hitPixel(t.url, send.openToken, PERSON_UA, '203.0.113.9');
    await live.waitFor((event) => event.type === 'OPENED' && event.source === 'PIXEL' && event.counted);
    const flip = await live.waitFor((event) => event.type === 'RECLASSIFIED');
    expect(flip).toEqual(expect.objectContaining({ id: webhook.id, source: 'WEBHOOK', counted: false, bot: false, botReason: null }));
  });

  // Streams run their document compiled (graphql/compiled-subscribe.ts), one
  // compilation for every stream of the same text: what varies per stream,
  // its variables, must still shape each stream's events.
  it('shapes each event by the stream\'s own selection: fragments, aliases, __typename, directives on its own variables', async () => {
    const org = uniqueOrg('live-shape');
    const send = await insertSend(t.app.db, { orgId: org, senderId: 'rep-1', contactId: 'c-7', email: 'ada@example.com' });
    const query = `subscription Shaped($withEmail: Boolean!) {
      activity { __typename kind: type ...Who sendId @skip(if: $withEmail) }
    }
    fragment Who on ActivityEvent { email @include(if: $withEmail) counted }`;
    const token = await tokenFor(org, 'boss', 'owner');
    const withEmail = stream(t.url, token, { withEmail: true } as StreamVariables, query);
    const without = stream(t.url, token, { withEmail: false } as StreamVariables, query);
    await Promise.all([withEmail.connected, without.connected]);

    await hitPixel(t.url, send.openToken, PERSON_UA, '192.0.2.30');
    const arrived = { arrivedAt: expect.any(Number) };
    expect(await withEmail.waitFor(() => true)).toEqual({ __typename: 'ActivityEvent', kind: 'OPENED', email: 'ada@example.com', counted: true, ...arrived });
    expect(await without.waitFor(() => true)).toEqual({ __typename: 'ActivityEvent', kind: 'OPENED', counted: true, sendId: send.sendId, ...arrived });
    expect([...withEmail.errors, ...without.errors]).toEqual([]);
  });
});

