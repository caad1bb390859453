// Tokens already in inboxes: every token of each released format (test/
// fixtures/tokens-v1.json, the first format, and tokens-v2.json, the short
// format as first released, each minted before the next change) still
// verifies, redirects through the real route and records against its own
// send, with the secret it was signed with. Rule 6 of contract section 3: a
// new format is added beside the old ones, never instead of them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TokenCodec, type TrackingToken } from '../../src/events/tokens';
import { PIXEL_GIF } from '../../src/routes/tracking';
import { startTestApp, type TestApp } from '../support/app';
import { storedEvents, type TestSend } from '../support/sends';

interface FixtureToken {
  kind: 'open' | 'click' | 'trap';
  orgId: string;
  sendId: string;
  token: string;
  position?: number;
  url?: string;
  /** the Location header the redirect answered when the token was minted */
  location?: string;
}

interface Fixture {
  secret: string;
  tokens: FixtureToken[];
}

const readFixture = (name: string) => JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures', name), 'utf8')) as Fixture;
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';

function expectedContents({ kind, orgId, sendId, position, url }: FixtureToken): TrackingToken {
  return kind === 'click' ? { kind, orgId, sendId, position: position!, url: url! } : { kind, orgId, sendId };
}

describe.each([
  ['the first format', 'tokens-v1.json'],
  ['the short format as first released', 'tokens-v2.json'],
])('%s (%s)', (_format, file) => {
  const fixture = readFixture(file);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRACKING_SIGNING_SECRET: fixture.secret });
  });
  afterAll(async () => {
    await t.close();
  });

  it('the fixture holds all three kinds, several organisation ids and multi-byte positions', () => {
    expect(new Set(fixture.tokens.map((token) => token.kind))).toEqual(new Set(['open', 'click', 'trap']));
    expect(new Set(fixture.tokens.map((token) => token.orgId)).size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...fixture.tokens.map((token) => token.position ?? 0))).toBeGreaterThan(127);
  });

  it.each(fixture.tokens.map((token, index) => [token.kind, index, token] as const))('a %s token verifies (fixture entry %i)', (_kind, _index, entry) => {
    expect(new TokenCodec(fixture.secret).decode(entry.token)).toEqual(expectedContents(entry));
    expect(new TokenCodec(`${fixture.secret}-rotated`).decode(entry.token)).toBeNull();
  });

  it('every token is answered by the real routes as it was when minted', async () => {
    for (const entry of fixture.tokens) {
      const answer =
        entry.kind === 'open'
          ? await fetch(`${t.url}/track/open/${entry.token}.gif`, { method: 'HEAD', headers: { 'user-agent': BROWSER } })
          : await fetch(`${t.url}/track/click/${entry.token}`, { method: 'HEAD', redirect: 'manual', headers: { 'user-agent': BROWSER } });
      if (entry.kind === 'open') {
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-length')).toBe(String(PIXEL_GIF.length));
      } else {
        expect(answer.status).toBe(302);
        expect(answer.headers.get('location')).toBe(entry.kind === 'trap' ? `${t.app.config.publicBaseUrl}/` : entry.location);
      }
    }
  });

  it('records an open and a click of the fixture send against that send and link', async () => {
    // The fixture's canonical UUID organisation: no other test file uses it.
    const open = fixture.tokens.find((token) => token.kind === 'open' && /^[0-9a-f-]{36}$/.test(token.orgId))!;
    const click = fixture.tokens.find((token) => token.kind === 'click' && token.orgId === open.orgId && token.position === 7)!;
    await t.app.db.query(
      `INSERT INTO sends (org_id, id, sender_id, contact_id, recipient_email, tracked, tracked_links)
       VALUES ($1, $2, 'sender-1', 'contact-1', 'someone@example.com', true, 0)`,
      [open.orgId, open.sendId],
    );
    const headers = { 'user-agent': BROWSER, 'x-forwarded-for': '198.51.100.77' };
    expect((await fetch(`${t.url}/track/open/${open.token}.gif`, { headers })).status).toBe(200);
    const followed = await fetch(`${t.url}/track/click/${click.token}`, { redirect: 'manual', headers });
    expect(followed.headers.get('location')).toBe(click.location);
    await t.app.recorder.flush();
    const send = { orgId: open.orgId, sendId: open.sendId } as TestSend;
    expect(await storedEvents(t.app.db, send)).toEqual([
      { kind: 'OPEN', source: 'PIXEL', counted: true, bot: false, mpp: false },
      { kind: 'CLICK', source: 'REDIRECT', counted: true, bot: false, mpp: false },
    ]);
    const [link] = await t.app.db.query(
      `SELECT link_position, url FROM tracking_events WHERE org_id = $1 AND send_id = $2 AND kind = 'CLICK'`,
      [open.orgId, open.sendId],
    );
    expect(link).toEqual({ link_position: 7, url: click.url });
  });
});
