// Deterministic pixel and click traffic for a server process, in rounds,
// replayable on another database (the same sends, ids and client
// addresses), and the figures it must leave: for comparing a run on a Citus
// cluster that changes under it with a run on one PostgreSQL.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { OverviewDocument } from '../generated/graphql';
import { answeredGet } from './answered-get';
import { tokenFor } from './app';
import { gql } from './graphql-client';
import { testTokens } from './sends';

const HUMAN = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
/** names itself as a machine: recorded, never counted */
const BOT = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';
const LINKS = ['https://example.com/rebalance/a', 'https://example.com/rebalance/b'];

export interface TrafficPlan {
  orgs: string[];
  /** per organisation, its sends' ids */
  sends: Map<string, string[]>;
}

export function planTraffic(orgs: string[], sendsPerOrg: number): TrafficPlan {
  return { orgs, sends: new Map(orgs.map((org) => [org, Array.from({ length: sendsPerOrg }, () => randomUUID())])) };
}

/** Organisation ids, one on each shard of sends of a Citus database: whatever moves, some of them move. */
export async function orgOnEveryShard(db: DataSource): Promise<string[]> {
  const [{ shards }]: { shards: number }[] = await db.query(`SELECT count(*)::int AS shards FROM pg_dist_shard WHERE logicalrelid = 'sends'::regclass`);
  const byShard = new Map<string, string>();
  for (let n = 0; byShard.size < shards; n++) {
    const candidates = Array.from({ length: 64 }, (_, i) => `org-traffic-${n}-${i}-${randomUUID().slice(0, 6)}`);
    const rows: { org: string; shard: string }[] = await db.query(
      `SELECT org, get_shard_id_for_distribution_column('sends', org)::text AS shard FROM unnest($1::text[]) AS o(org)`,
      [candidates],
    );
    for (const row of rows) if (!byShard.has(row.shard)) byShard.set(row.shard, row.org);
  }
  return [...byShard.values()];
}

export async function insertPlannedSends(db: DataSource, plan: TrafficPlan): Promise<void> {
  for (const [org, ids] of plan.sends) {
    await db.query(
      `INSERT INTO sends (org_id, id, sender_id, contact_id, recipient_email, tracked, tracked_links)
       SELECT $1, id, 'sender-1', 'contact-' || n, 'c' || n || '@example.com', true, $3 FROM unnest($2::uuid[]) WITH ORDINALITY AS s(id, n)`,
      [org, ids, LINKS.length],
    );
    await db.query(
      `INSERT INTO send_links (org_id, send_id, position, url)
       SELECT $1, s.id, l.n - 1, l.url FROM unnest($2::uuid[]) AS s(id) CROSS JOIN unnest($3::text[]) WITH ORDINALITY AS l(url, n)`,
      [org, ids, LINKS],
    );
  }
}

const clientOf = (round: number, send: number, k: number) => `10.${round % 250}.${send % 250}.${k + 4 * Math.floor(send / 250)}`;

/** One request, as a mail client makes it (answered-get.ts); the answer must be `expected`. */
async function get(url: string, userAgent: string, ip: string, expected: number): Promise<void> {
  const status = await answeredGet(url, { 'user-agent': userAgent, 'x-forwarded-for': ip });
  if (status !== expected) throw new Error(`${url}: answered ${status}, expected ${expected}`);
}

/** Requests per send and round: an open, the same client again at once (a repeat), a click on each link from its own client, a bot's open. */
export const REQUESTS_PER_SEND = 5;

/** One round: every send, in parallel across sends, each send's requests in order. */
export async function sendRound(baseUrl: string, plan: TrafficPlan, round: number): Promise<void> {
  const work = [...plan.sends].flatMap(([org, ids]) => ids.map((id) => ({ org, id })));
  await Promise.all(
    work.map(async ({ org, id }, send) => {
      const pixel = `${baseUrl}/track/open/${testTokens.encodeOpen(org, id)}.gif`;
      await get(pixel, HUMAN, clientOf(round, send, 0), 200);
      await get(pixel, HUMAN, clientOf(round, send, 0), 200);
      for (const [position, link] of LINKS.entries()) {
        await get(`${baseUrl}/track/click/${testTokens.encodeClick(org, id, position, link)}`, HUMAN, clientOf(round, send, 1 + position), 302);
      }
      await get(pixel, BOT, clientOf(round, send, 3), 200);
    }),
  );
}

export interface TrafficFigures {
  /** per send: counters of the send and of its links */
  sends: Record<string, { opens: number; clicks: number; bot_opens: number; links: string }>;
  /** per organisation: stored events (counted and not) and the overview's figures */
  orgs: Record<string, { stored: number; counted: number; overview: unknown }>;
}

export async function storedEventCount(db: DataSource, plan: TrafficPlan): Promise<number> {
  const [row]: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM tracking_events WHERE org_id = ANY($1)`, [plan.orgs]);
  return row.n;
}

/** What the traffic left: read from the database, and the overview through the server's GraphQL. */
export async function trafficFigures(db: DataSource, baseUrl: string, plan: TrafficPlan): Promise<TrafficFigures> {
  const figures: TrafficFigures = { sends: {}, orgs: {} };
  for (const [org, ids] of plan.sends) {
    const rows: { id: string; opens: number; clicks: number; bot_opens: number; links: string }[] = await db.query(
      `SELECT s.id, s.opens, s.clicks, s.bot_opens,
              (SELECT string_agg(l.position || ':' || l.clicks || '/' || l.unique_clickers, ' ' ORDER BY l.position)
               FROM send_links l WHERE l.org_id = s.org_id AND l.send_id = s.id) AS links
       FROM sends s WHERE s.org_id = $1 AND s.id = ANY($2)`,
      [org, ids],
    );
    for (const { id, ...counters } of rows) figures.sends[id] = counters;
    const [events]: { stored: number; counted: number }[] = await db.query(
      `SELECT count(*)::int AS stored, (count(*) FILTER (WHERE counted))::int AS counted FROM tracking_events WHERE org_id = $1`,
      [org],
    );
    const overview = await gql(baseUrl, OverviewDocument, { range: { preset: 'ALL_TIME' } }, await tokenFor(org, 'u1', 'admin'));
    // lastSentAt is when the sends were inserted, which differs from one run to the other
    const { lastSentAt: _sentAt, ...stats } = overview.data?.overview ?? { lastSentAt: null, errors: overview.errors };
    figures.orgs[org] = { ...events, overview: stats };
  }
  return figures;
}

/** The figures `rounds` rounds must leave, whatever the database: each answer stored once, each person counted once. */
export function expectedFigures(plan: TrafficPlan, rounds: number): { perSend: TrafficFigures['sends'][string]; perOrgStored: number } {
  return {
    perSend: { opens: rounds, clicks: LINKS.length * rounds, bot_opens: rounds, links: LINKS.map((_, position) => `${position}:${rounds}/${rounds}`).join(' ') },
    perOrgStored: REQUESTS_PER_SEND * rounds * (plan.sends.get(plan.orgs[0])?.length ?? 0),
  };
}
