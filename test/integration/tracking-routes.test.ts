// The pixel and the redirect as mail clients hit them, and what gets counted.
import { SendDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { insertSend, linkCounters, sendCounters, storedEvents, storedReasons, testTokens } from '../support/sends';

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ TRUST_PROXY: '1', EMAIL_TRACKING_BOT_USER_AGENTS: 'AcmeScanner, Corp Link Checker' });
});
afterAll(async () => {
  await t.close();
});

let ipCounter = 0;
const nextIp = () => `198.51.100.${(ipCounter++ % 250) + 1}`;

function open(token: string, init: { ip?: string; ua?: string; method?: string; headers?: Record<string, string> } = {}) {
  return fetch(`${t.url}/track/open/${token}.gif`, {
    method: init.method ?? 'GET',
    headers: { 'user-agent': init.ua ?? BROWSER, 'x-forwarded-for': init.ip ?? nextIp(), ...init.headers },
  });
}

function click(token: string, init: { ip?: string; ua?: string; method?: string; headers?: Record<string, string> } = {}) {
  return fetch(`${t.url}/track/click/${token}`, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: { 'user-agent': init.ua ?? BROWSER, 'x-forwarded-for': init.ip ?? nextIp(), ...init.headers },
  });
}

async function newSend(links: string[] = ['https://example.com/a', 'https://example.com/b?x=1&y=2']) {
  return insertSend(t.app.db, { orgId: uniqueOrg(), links });
}

describe('GET /track/open/{token}.gif', () => {
  it('answers the 43-byte transparent GIF with no-store headers', async () => {
    const send = await newSend();
    const response = await open(send.openToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/gif');
    expect(response.headers.get('cache-control')).toBe('no-store, no-cache, must-revalidate, private');
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(43);
    expect(body.subarray(0, 6).toString('latin1')).toBe('GIF89a');
  });

  it('answers the same GIF for unknown, tampered, huge and odd tokens, and records nothing for them', async () => {
    const send = await newSend();
    const tampered = send.openToken.slice(0, -2) + (send.openToken.endsWith('AA') ? 'BB' : 'AA');
    const paths = [`${tampered}.gif`, 'nope.gif', `${'A'.repeat(10_240)}.gif`, '.gif', '%00.gif', '..%2F..%2Fetc%2Fpasswd.gif', send.openToken];
    for (const path of paths) {
      // a browser's user agent: fetch's own ("node") is an HTTP library, a bot
      const response = await fetch(`${t.url}/track/open/${path}`, { headers: { 'user-agent': BROWSER } });
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).length).toBe(43);
    }
    await t.app.recorder.flush();
    // only the last one (a valid token without ".gif") is an open
    expect((await sendCounters(t.app.db, send)).opens).toBe(1);
  });

  it('counts an open and keeps first/last opened times', async () => {
    const send = await newSend();
    const before = Date.now();
    await open(send.openToken);
    await t.app.recorder.flush();
    const counters = await sendCounters(t.app.db, send);
    expect(counters.opens).toBe(1);
    expect(counters.mpp_opens).toBe(0);
    expect(counters.first_opened_at!.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(counters.last_opened_at).toEqual(counters.first_opened_at);
    expect(await storedEvents(t.app.db, send)).toEqual([{ kind: 'OPEN', source: 'PIXEL', counted: true, bot: false, mpp: false }]);
  });

  it('never counts HEAD requests or prefetches, and does not record them', async () => {
    const send = await newSend();
    const head = await open(send.openToken, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('43');
    await open(send.openToken, { headers: { purpose: 'prefetch' } });
    await open(send.openToken, { headers: { 'sec-purpose': 'prefetch;prerender' } });
    await t.app.recorder.flush();
    expect((await sendCounters(t.app.db, send)).opens).toBe(0);
    expect(await storedEvents(t.app.db, send)).toEqual([]);
  });

  it('records bots (built-in, configured, Gmail proxy) without counting them', async () => {
    const send = await newSend();
    const bots = [
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'facebookexternalhit/1.1',
      'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
      'acmescanner/3.2',
      'Corp Link Checker 1.0',
    ];
    for (const ua of bots) await open(send.openToken, { ua });
    await t.app.recorder.flush();
    expect((await sendCounters(t.app.db, send)).opens).toBe(0);
    const events = await storedEvents(t.app.db, send);
    expect(events).toHaveLength(bots.length);
    expect(events.every((event) => event.bot && !event.counted)).toBe(true);
  });

  it('counts Apple Mail Privacy Protection opens and flags them', async () => {
    const send = await newSend();
    await open(send.openToken, { ua: 'Mozilla/5.0' });
    await t.app.recorder.flush();
    const counters = await sendCounters(t.app.db, send);
    expect([counters.opens, counters.mpp_opens]).toEqual([1, 1]);
    expect(await storedEvents(t.app.db, send)).toEqual([{ kind: 'OPEN', source: 'PIXEL', counted: true, bot: false, mpp: true }]);
  });

  it('collapses opens from the same IP within 5 s, counts other IPs', async () => {
    const send = await newSend();
    await open(send.openToken, { ip: '203.0.113.7' });
    await t.app.recorder.flush(); // the repeat lands in a later batch: dedupe reads the stored event
    await open(send.openToken, { ip: '203.0.113.7' });
    await open(send.openToken, { ip: '203.0.113.8' });
    await t.app.recorder.flush();
    expect((await sendCounters(t.app.db, send)).opens).toBe(2);
    expect((await storedEvents(t.app.db, send)).map((event) => event.counted)).toEqual([true, false, true]);
  });

  it('counts 20 identical concurrent requests once', async () => {
    const send = await newSend();
    const responses = await Promise.all(Array.from({ length: 20 }, () => open(send.openToken, { ip: '203.0.113.20' })));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    await t.app.recorder.flush();
    expect((await sendCounters(t.app.db, send)).opens).toBe(1);
    expect(await storedEvents(t.app.db, send)).toHaveLength(20);
  });
});

describe('GET /track/click/{token}', () => {
  it('redirects to the original URL and counts the click on the send and the link', async () => {
    const send = await newSend();
    const response = await click(send.clickTokens[1]);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://example.com/b?x=1&y=2');
    expect(response.headers.get('cache-control')).toBe('no-store, no-cache, must-revalidate, private');
    await t.app.recorder.flush();
    const counters = await sendCounters(t.app.db, send);
    expect(counters.clicks).toBe(1);
    expect(counters.last_clicked_at).not.toBeNull();
    expect(await linkCounters(t.app.db, send)).toEqual([
      { position: 0, clicks: 0, unique_clickers: 0 },
      { position: 1, clicks: 1, unique_clickers: 1 },
    ]);
  });

  it('answers 404, never a redirect, for tampered, foreign, huge and odd tokens', async () => {
    const send = await newSend();
    const token = send.clickTokens[0];
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    const otherKey = new (testTokens.constructor as typeof import('../../src/events/tokens').TokenCodec)('another-secret-0123456789abcdef01234');
    const foreign = otherKey.encodeClick(send.orgId, send.sendId, 0, 'https://evil.example/');
    for (const candidate of [flipped, foreign, send.openToken, 'x', 'A'.repeat(10_240), '%00', '..%2F..%2Fetc%2Fpasswd', '']) {
      const response = await click(candidate);
      expect(response.status).toBe(404);
      expect(response.headers.get('location')).toBeNull();
    }
    await t.app.recorder.flush();
    expect((await sendCounters(t.app.db, send)).clicks).toBe(0);
  });

  it('collapses clicks on the same link from the same IP within 5 s, and counts unique clickers', async () => {
    const send = await newSend();
    await click(send.clickTokens[0], { ip: '203.0.113.30' });
    await click(send.clickTokens[0], { ip: '203.0.113.30' });
    // (the same address on another link within 5 s would be a scanner's burst)
    await click(send.clickTokens[1], { ip: '203.0.113.32' });
    await click(send.clickTokens[0], { ip: '203.0.113.31' });
    await t.app.recorder.flush();
    expect((await sendCounters(t.app.db, send)).clicks).toBe(3);
    expect(await linkCounters(t.app.db, send)).toEqual([
      { position: 0, clicks: 2, unique_clickers: 2 },
      { position: 1, clicks: 1, unique_clickers: 1 },
    ]);
  });

  it('redirects HEAD requests too, without counting them', async () => {
    const send = await newSend();
    const response = await click(send.clickTokens[0], { method: 'HEAD' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://example.com/a');
    await t.app.recorder.flush();
    expect((await sendCounters(t.app.db, send)).clicks).toBe(0);
  });

  it('writes non-ASCII URLs as UTF-8 percent-escapes and leaves the rest byte for byte', async () => {
    const send = await newSend(['https://example.com/café?q=a b&x=%41#frag']);
    const response = await click(send.clickTokens[0]);
    expect(response.headers.get('location')).toBe('https://example.com/caf%C3%A9?q=a%20b&x=%41#frag');
  });

  it('records link scanners as bots, with their reason, in the bot counters', async () => {
    const send = await newSend();
    await click(send.clickTokens[0], { ua: 'Mozilla/5.0 (compatible; Barracuda Sentinel)' });
    await open(send.openToken, { ua: 'Mozilla/5.0 (compatible; Barracuda Sentinel)' });
    await t.app.recorder.flush();
    expect(await sendCounters(t.app.db, send)).toMatchObject({ opens: 0, clicks: 0, bot_opens: 1, bot_clicks: 1 });
    expect(await storedReasons(t.app.db, send)).toEqual([
      { kind: 'CLICK', source: 'REDIRECT', counted: false, bot: true, mpp: false, bot_reason: 'USER_AGENT' },
      { kind: 'OPEN', source: 'PIXEL', counted: false, bot: true, mpp: false, bot_reason: 'USER_AGENT' },
    ]);
  });
});

describe('the trap link', () => {
  it('redirects to PUBLIC_BASE_URL/ and records a TRAP click of no link, whatever the client says it is', async () => {
    const send = await newSend();
    for (const ua of [BROWSER, 'curl/8.5.0']) {
      const response = await click(send.trapToken, { ua, ip: '203.0.113.77' });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(`${t.app.config.publicBaseUrl}/`);
      expect(response.headers.get('cache-control')).toBe('no-store, no-cache, must-revalidate, private');
    }
    await t.app.recorder.flush();
    expect(await sendCounters(t.app.db, send)).toMatchObject({ clicks: 0, bot_clicks: 2, last_clicked_at: null });
    const events = await t.app.db.query(
      `SELECT kind, source, counted, bot, bot_reason, link_position, url FROM tracking_events WHERE org_id = $1 AND send_id = $2`,
      [send.orgId, send.sendId],
    );
    expect(events).toEqual([
      { kind: 'CLICK', source: 'REDIRECT', counted: false, bot: true, bot_reason: 'TRAP', link_position: null, url: null },
      { kind: 'CLICK', source: 'REDIRECT', counted: false, bot: true, bot_reason: 'TRAP', link_position: null, url: null },
    ]);
    expect(await linkCounters(t.app.db, send)).toEqual([
      { position: 0, clicks: 0, unique_clickers: 0 },
      { position: 1, clicks: 0, unique_clickers: 0 },
    ]);
  });

  it('answers HEAD and prefetches the same way and records nothing for them', async () => {
    const send = await newSend();
    for (const init of [{ method: 'HEAD' }, { headers: { 'sec-purpose': 'prefetch' } }]) {
      const response = await click(send.trapToken, init);
      expect([response.status, response.headers.get('location')]).toEqual([302, `${t.app.config.publicBaseUrl}/`]);
    }
    await t.app.recorder.flush();
    expect(await storedEvents(t.app.db, send)).toEqual([]);
  });

  it("refuses a trap token of another secret with 404, as any forged token", async () => {
    const send = await newSend();
    const otherKey = new (testTokens.constructor as typeof import('../../src/events/tokens').TokenCodec)('another-secret-0123456789abcdef01234');
    const response = await click(otherKey.encodeTrap(send.orgId, send.sendId));
    expect(response.status).toBe(404);
    expect(response.headers.get('location')).toBeNull();
  });
});

describe('mail-security scanner networks', () => {
  it('records pixels and clicks from Exchange Online Protection as NETWORK bots, IPv4, IPv4-mapped and IPv6', async () => {
    const send = await newSend();
    await open(send.openToken, { ip: '40.92.17.4' });
    await click(send.clickTokens[0], { ip: '::ffff:104.47.3.9' });
    await click(send.clickTokens[1], { ip: '2a01:111:f400:fe0a::12' });
    await t.app.recorder.flush();
    expect(await sendCounters(t.app.db, send)).toMatchObject({ opens: 0, clicks: 0, bot_opens: 1, bot_clicks: 2 });
    expect((await storedReasons(t.app.db, send)).map((event) => [event.kind, event.counted, event.bot, event.bot_reason])).toEqual([
      ['CLICK', false, true, 'NETWORK'],
      ['CLICK', false, true, 'NETWORK'],
      ['OPEN', false, true, 'NETWORK'],
    ]);
    expect(await linkCounters(t.app.db, send)).toEqual([
      { position: 0, clicks: 0, unique_clickers: 0 },
      { position: 1, clicks: 0, unique_clickers: 0 },
    ]);
  });

  it('lets the user agent rule win, and counts the address next door', async () => {
    const send = await newSend();
    await open(send.openToken, { ip: '40.107.0.1', ua: 'Mozilla/5.0 (compatible; Barracuda Sentinel)' });
    await open(send.openToken, { ip: '40.106.255.255' });
    await t.app.recorder.flush();
    // Requests a millisecond apart may share a timestamp: compare regardless of order.
    expect((await storedReasons(t.app.db, send)).map((event) => `${event.counted} ${event.bot_reason}`).sort()).toEqual(['false USER_AGENT', 'true null']);
  });
});

describe('send(id)', () => {
  it('shows the counters and the raw events to the organisation and the sender only', async () => {
    const send = await insertSend(t.app.db, { orgId: uniqueOrg(), senderId: 'rep-1', links: ['https://example.com/'] });
    await open(send.openToken, { ua: 'Mozilla/5.0' });
    await click(send.clickTokens[0]);
    await open(send.openToken, { ua: 'Twitterbot/1.0' });
    await t.app.recorder.flush();

    const admin = await gql(t.url, SendDocument, { id: send.sendId }, await tokenFor(send.orgId, 'someone', 'admin'));
    expect(admin.errors).toBeUndefined();
    expect(admin.data?.send).toMatchObject({ id: send.sendId, senderId: 'rep-1', opens: 1, clicks: 1, mppOpens: 1, status: 'SENT', tracked: true });
    // Requests a millisecond apart may share a timestamp: compare regardless of order.
    const events = admin.data?.send?.events ?? [];
    expect(events.map((event) => [event.kind, event.source, event.counted, event.bot, event.mpp, event.url]).sort()).toEqual(
      [
        ['OPEN', 'PIXEL', true, false, true, null],
        ['CLICK', 'REDIRECT', true, false, false, 'https://example.com/'],
        ['OPEN', 'PIXEL', false, true, false, null],
      ].sort(),
    );
    expect(events.map((event) => event.occurredAt)).toEqual([...events.map((event) => event.occurredAt)].sort());

    const owner = await gql(t.url, SendDocument, { id: send.sendId }, await tokenFor(send.orgId, 'rep-1', 'sales_rep'));
    expect(owner.data?.send?.id).toBe(send.sendId);
    for (const token of [await tokenFor(send.orgId, 'rep-2', 'partner'), await tokenFor(uniqueOrg(), 'x', 'owner')]) {
      const hidden = await gql(t.url, SendDocument, { id: send.sendId }, token);
      expect(hidden.errors).toBeUndefined();
      expect(hidden.data?.send).toBeNull();
    }
    const malformed = await gql(t.url, SendDocument, { id: 'not-a-uuid' }, await tokenFor(send.orgId, 'x', 'admin'));
    expect(malformed.data?.send).toBeNull();
  });
});
