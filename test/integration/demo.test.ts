// `npm run demo`'s seeding: the mix it promises (every role sending, bounces,
// complaints, MPP opens, bots), raw events that agree with the counters, and
// a re-run that replaces the organisation's rows without touching another's.
import { authenticate } from '../../src/auth/jwt';
import { ROLES } from '../../src/auth/viewer';
import { DEMO_DAYS, DEMO_USERS } from '../../src/demo/demo-cast';
import { demoAccessLinks } from '../../src/demo/demo-access';
import { seedDemoOrganisation, type SeedSummary } from '../../src/demo/seed-demo';
import { startTestApp, TEST_ENV, tokenFor, uniqueOrg, type TestApp } from '../support/app';

const DAY = 86_400_000;
let t: TestApp;
let orgId: string;
let summary: SeedSummary;

const seed = () => seedDemoOrganisation(t.app.db, { orgId, classifier: t.app.classifier, ipHasher: t.app.ipHasher });
const rows = <T>(sql: string, ...parameters: unknown[]): Promise<T[]> => t.app.db.query(sql, [orgId, ...parameters]);
const one = async (sql: string, ...parameters: unknown[]): Promise<number> => Number(Object.values((await rows<Record<string, unknown>>(sql, ...parameters))[0])[0]);

beforeAll(async () => {
  t = await startTestApp();
  orgId = uniqueOrg('demo');
  summary = await seed();
});

afterAll(async () => {
  await t?.close();
});

test('a few thousand sends over the last 120 days, from every person of the cast, with readable names', async () => {
  expect(summary.sends).toBeGreaterThan(2_000);
  expect(summary.sends).toBeLessThan(6_000);
  const [span] = await rows<{ first: Date; last: Date }>(`SELECT min(sent_at) AS first, max(sent_at) AS last FROM sends WHERE org_id = $1`);
  expect(span.first.getTime()).toBeGreaterThan(Date.now() - (DEMO_DAYS + 1) * DAY);
  expect(span.first.getTime()).toBeLessThan(Date.now() - (DEMO_DAYS - 10) * DAY);
  expect(span.last.getTime()).toBeLessThan(Date.now());

  const senders = await rows<{ sender_id: string; team: string | null; sends: string }>(
    `SELECT sender_id, max(sender_team_id) AS team, count(*) AS sends FROM sends WHERE org_id = $1 GROUP BY 1`,
  );
  expect(senders.map((row) => row.sender_id).sort()).toEqual(DEMO_USERS.map((user) => user.id).sort());
  for (const user of DEMO_USERS) {
    expect(senders.find((row) => row.sender_id === user.id)?.team ?? null).toBe(user.teamId);
  }
  expect(new Set(DEMO_USERS.map((user) => user.role))).toEqual(new Set(['owner', 'admin', 'partner', 'sales_rep', 'member']));
  expect(await one(`SELECT count(*) FROM campaigns WHERE org_id = $1 AND (name IS NULL OR name = id)`)).toBe(0);
  expect(await one(`SELECT count(*) FROM templates WHERE org_id = $1 AND (name IS NULL OR name = id)`)).toBe(0);
  // drip steps, template-only one-offs and ad-hoc sends
  expect(await one(`SELECT count(DISTINCT (campaign_id IS NULL, template_id IS NULL)) FROM sends WHERE org_id = $1`)).toBe(3);
});

test('bounces: the failed send, the contact BOUNCED, and nothing sent to it afterwards', async () => {
  const bounced = await one(`SELECT count(*) FROM contacts WHERE org_id = $1 AND status = 'BOUNCED'`);
  expect(bounced).toBeGreaterThan(0);
  expect(bounced).toBe(summary.bounced);
  expect(await one(`SELECT count(*) FROM sends WHERE org_id = $1 AND status = 'FAILED'`)).toBe(bounced);
  const [mismatch] = await rows<{ wrong: string }>(
    `SELECT count(*) AS wrong FROM sends s JOIN contacts c ON c.org_id = s.org_id AND c.id = s.contact_id
     WHERE s.org_id = $1 AND ((s.status = 'FAILED') <> (c.status = 'BOUNCED') OR (c.status <> 'ACTIVE' AND s.sent_at > c.status_changed_at))`,
  );
  expect(Number(mismatch.wrong)).toBe(0);
  expect(await one(`SELECT count(*) FROM tracking_events e JOIN sends s ON s.org_id = e.org_id AND s.id = e.send_id WHERE e.org_id = $1 AND s.status <> 'SENT'`)).toBe(0);
});

test('complaints: the contact COMPLAINED and every enrollment of it UNENROLLED, the others ACTIVE', async () => {
  const complained = await one(`SELECT count(*) FROM contacts WHERE org_id = $1 AND status = 'COMPLAINED'`);
  expect(complained).toBeGreaterThan(0);
  expect(complained).toBe(summary.complained);
  const enrollments = await rows<{ complained: boolean; status: string; count: string }>(
    `SELECT c.status = 'COMPLAINED' AS complained, e.status, count(*) FROM enrollments e
     JOIN contacts c ON c.org_id = e.org_id AND c.id = e.contact_id WHERE e.org_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  expect(enrollments.map((row) => [row.complained, row.status])).toEqual([[false, 'ACTIVE'], [true, 'UNENROLLED']]);
});

test('MPP opens and bots are there, classified by the server rules, and the counters agree with the raw events', async () => {
  const [events] = await rows<Record<string, string>>(
    `SELECT count(*) FILTER (WHERE mpp AND counted) AS mpp, count(*) FILTER (WHERE bot) AS bots,
            count(*) FILTER (WHERE bot AND counted) AS counted_bots, count(*) FILTER (WHERE counted) AS counted, count(*) AS total
     FROM tracking_events WHERE org_id = $1`,
  );
  expect(Number(events.mpp)).toBeGreaterThan(100);
  expect(Number(events.bots)).toBeGreaterThan(100);
  expect(Number(events.counted_bots)).toBe(0);
  expect(Number(events.counted)).toBe(summary.countedEvents);
  expect(Number(events.total)).toBe(summary.events);
  const sendMismatches = await one(
    `SELECT count(*) FROM sends s LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE kind = 'OPEN') AS opens, count(*) FILTER (WHERE kind = 'CLICK') AS clicks, count(*) FILTER (WHERE mpp) AS mpp
       FROM tracking_events e WHERE e.org_id = s.org_id AND e.send_id = s.id AND e.counted) e ON true
     WHERE s.org_id = $1 AND (s.opens, s.clicks, s.mpp_opens) <> (e.opens, e.clicks, e.mpp)`,
  );
  expect(sendMismatches).toBe(0);
  const linkMismatches = await one(
    `SELECT count(*) FROM send_links l LEFT JOIN LATERAL (
       SELECT count(*) AS clicks, count(DISTINCT ip_hash) AS clickers FROM tracking_events e
       WHERE e.org_id = l.org_id AND e.send_id = l.send_id AND e.link_position = l.position AND e.counted AND e.kind = 'CLICK') e ON true
     WHERE l.org_id = $1 AND (l.clicks, l.unique_clickers) <> (e.clicks, e.clickers)`,
  );
  expect(linkMismatches).toBe(0);
});

test('scanners the user agent does not give away: Safe Links from EOP networks, bursts, and the trap link', async () => {
  const byReason = await rows<{ bot_reason: string; kind: string; events: string; browser_like: string; without_link: string }>(
    `SELECT bot_reason, kind, count(*) AS events, count(*) FILTER (WHERE user_agent LIKE 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)%Edg/%') AS browser_like,
            count(*) FILTER (WHERE link_position IS NULL AND url IS NULL) AS without_link
     FROM tracking_events WHERE org_id = $1 AND bot GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const find = (reason: string, kind: string) => byReason.find((row) => row.bot_reason === reason && row.kind === kind);
  // Safe Links: a browser's user agent, caught by its network alone, on pixels and links
  for (const kind of ['OPEN', 'CLICK']) {
    expect(Number(find('NETWORK', kind)?.events)).toBeGreaterThan(50);
    expect(find('NETWORK', kind)?.browser_like).toBe(find('NETWORK', kind)?.events);
  }
  // the trap link: clicks of no link, from named and disguised scanners alike; the
  // rest of a trapped client's events (its sweep of the real links) are TRAP events too
  expect(Number(find('TRAP', 'CLICK')?.without_link)).toBeGreaterThan(50);
  expect(Number(find('TRAP', 'CLICK')?.events)).toBeGreaterThan(Number(find('TRAP', 'CLICK')?.without_link));
  expect(Number(find('TRAP', 'CLICK')?.browser_like)).toBeGreaterThan(0);
  expect(summary.botEventsByReason).toEqual(Object.fromEntries(['BURST', 'NETWORK', 'TRAP', 'USER_AGENT'].map((reason) => [reason, byReason.filter((row) => row.bot_reason === reason).reduce((sum, row) => sum + Number(row.events), 0)])));
  // bursts: one client following two or more links of one send within a second
  const bursts = await one(
    `SELECT count(DISTINCT send_id) FROM tracking_events a WHERE org_id = $1 AND kind = 'CLICK' AND link_position IS NOT NULL AND EXISTS (
       SELECT 1 FROM tracking_events b WHERE b.org_id = a.org_id AND b.send_id = a.send_id AND b.ip_hash = a.ip_hash AND b.kind = 'CLICK'
         AND b.link_position IS NOT NULL AND b.link_position <> a.link_position AND abs(extract(epoch FROM b.occurred_at - a.occurred_at)) < 1)`,
  );
  expect(bursts).toBeGreaterThan(50);
  // and the writer tells them for what they are, whatever their user agent
  expect(Number(find('BURST', 'CLICK')?.browser_like)).toBeGreaterThan(50);
});

test('a link per role, each with a token the server accepts for that role', async () => {
  const links = await demoAccessLinks('http://localhost:4000/', orgId, TEST_ENV.AUTH_JWT_SECRET, summary.sendsBySender);
  expect(links.map((link) => link.role).sort()).toEqual([...ROLES].sort());
  for (const link of links) {
    expect(link.url).toMatch(/^http:\/\/localhost:4000\/stats#token=[\w.-]+$/);
    const auth = await authenticate(`Bearer ${link.url.split('#token=')[1]}`, TEST_ENV.AUTH_JWT_SECRET);
    expect(auth.viewer).toEqual({ userId: link.userId, orgId, role: link.role, teamId: link.teamId });
  }
  expect(links.find((link) => link.role === 'partner')?.sees).toMatch(/^only the emails they sent themselves \(\d+\)$/);
});

test('a re-run replaces the organisation, leaves another alone, and the stats count each send once', async () => {
  const other = uniqueOrg('not-demo');
  await t.app.db.query(
    `INSERT INTO sends (org_id, sent_at, sender_id, contact_id, recipient_email, tracked) VALUES ($1, now() - interval '1 day', 'u1', 'c1', 'c1@x.example', true)`,
    [other],
  );
  const tables = ['sends', 'send_links', 'tracking_events', 'contacts', 'enrollments', 'campaigns', 'templates'];
  const count = async (org: string) =>
    Promise.all(tables.map(async (table) => Number((await t.app.db.query(`SELECT count(*) AS n FROM ${table} WHERE org_id = $1`, [org]))[0].n)));
  const before = await count(orgId);

  const again = await seed();
  expect(again).toEqual(summary);
  expect(await count(orgId)).toEqual(before);
  expect((await count(other))[0]).toBe(1);

  const response = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(orgId, 'olivia', 'owner')}` },
    body: JSON.stringify({ query: '{ overview(range: { preset: ALL_TIME }) { sends failed } }' }),
  });
  const body = (await response.json()) as { data: { overview: { sends: number; failed: number } } };
  expect(body.data.overview).toEqual({ sends: summary.sends, failed: summary.bounced });
});
