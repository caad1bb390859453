// Sends with chosen counters inserted straight into the tables, and the
// straightforward aggregation over sends that the stats API must agree with.
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { writeEvents } from '../../src/events/write-events';
import { addLinkFigures, addSendFigures } from '../../src/rollups/contributions';

export interface SendSpec {
  sentAt: Date | string;
  sender?: string;
  campaign?: string | null;
  template?: string | null;
  status?: 'SENT' | 'DEFERRED' | 'FAILED';
  opens?: number;
  clicks?: number;
  mppOpens?: number;
  botOpens?: number;
  botClicks?: number;
  /** false: recorded untracked (tracking off, plain text, consent declined); default true */
  tracked?: boolean;
  contact?: string;
  email?: string;
  /** per position: the original URL and its counted clicks */
  links?: { url: string; clicks?: number }[];
}

/** Inserts the sends and their links with what they add to the rollups, as the instrumenter does; returns their ids in order. */
export async function insertSends(db: DataSource, orgId: string, specs: readonly SendSpec[]): Promise<string[]> {
  const ids = specs.map(() => randomUUID());
  const column = <T>(pick: (spec: SendSpec, index: number) => T) => specs.map(pick);
  await db.query(
    `INSERT INTO sends (org_id, id, sent_at, sender_id, contact_id, recipient_email, campaign_id, template_id, tracked,
                        tracked_links, status, opens, clicks, mpp_opens, bot_opens, bot_clicks, first_opened_at, last_clicked_at)
     SELECT $1, id, sent_at, sender_id, contact_id, email, campaign_id, template_id, tracked, links, status, opens, clicks, mpp,
            bot_opens, bot_clicks,
            CASE WHEN opens > 0 THEN sent_at + interval '1 minute' END, CASE WHEN clicks > 0 THEN sent_at + interval '2 minutes' END
     FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[],
                 $10::text[], $11::int[], $12::int[], $13::int[], $14::boolean[], $15::int[], $16::int[])
       AS s(id, sent_at, sender_id, contact_id, email, campaign_id, template_id, links, status, opens, clicks, mpp, tracked, bot_opens, bot_clicks)`,
    [
      orgId,
      ids,
      // a string as it is: it may carry microseconds
      column((spec) => (typeof spec.sentAt === 'string' ? spec.sentAt : spec.sentAt.toISOString())),
      column((spec) => spec.sender ?? 'sender-1'),
      column((spec, index) => spec.contact ?? `contact-${index}`),
      column((spec, index) => spec.email ?? `person-${index}@example.com`),
      column((spec) => spec.campaign ?? null),
      column((spec) => spec.template ?? null),
      column((spec) => spec.links?.length ?? 0),
      column((spec) => spec.status ?? 'SENT'),
      column((spec) => spec.opens ?? 0),
      column((spec) => spec.clicks ?? 0),
      column((spec) => spec.mppOpens ?? 0),
      column((spec) => spec.tracked ?? true),
      column((spec) => spec.botOpens ?? 0),
      column((spec) => spec.botClicks ?? 0),
    ],
  );
  const links = specs.flatMap((spec, index) => (spec.links ?? []).map((link, position) => ({ id: ids[index], position, ...link })));
  if (links.length > 0) {
    await db.query(
      `INSERT INTO send_links (org_id, send_id, position, url, clicks, unique_clickers)
       SELECT $1, id, position, url, clicks, least(clicks, 1) FROM unnest($2::uuid[], $3::int[], $4::text[], $5::int[]) AS l(id, position, url, clicks)`,
      [orgId, links.map((link) => link.id), links.map((link) => link.position), links.map((link) => link.url), links.map((link) => link.clicks ?? 0)],
    );
  }
  await addSendFigures(db.manager, orgId, ids, 1);
  await addLinkFigures(db.manager, orgId, ids, 1);
  return ids;
}

export async function nameCampaign(db: DataSource, orgId: string, id: string, name: string): Promise<void> {
  await db.query(`INSERT INTO campaigns (org_id, id, name) VALUES ($1, $2, $3) ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name`, [orgId, id, name]);
}

export async function nameTemplate(db: DataSource, orgId: string, id: string, name: string): Promise<void> {
  await db.query(`INSERT INTO templates (org_id, id, name) VALUES ($1, $2, $3) ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name`, [orgId, id, name]);
}

export interface Figures {
  sends: number;
  untrackedSends: number;
  opened: number;
  clicked: number;
  failed: number;
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
  openRate: number;
  clickRate: number;
  humanOpenRate: number;
  mppShare: number | null;
  clickToOpenRate: number | null;
  lastSentAt: string | null;
}

export interface Selection {
  from?: Date | null;
  to: Date;
  sender?: string;
  campaign?: string;
  /** null: ad-hoc sends */
  template?: string | null;
}

/** The figures computed the obvious way: one pass over the matching sends, the tracked ones for every figure but untrackedSends. */
export async function directFigures(db: DataSource, orgId: string, selection: Selection): Promise<Figures> {
  const [row] = await db.query(
    `SELECT count(*) FILTER (WHERE tracked)::int AS sends, count(*) FILTER (WHERE NOT tracked)::int AS untracked,
            count(*) FILTER (WHERE tracked AND (opens > 0 OR clicks > 0))::int AS opened,
            count(*) FILTER (WHERE tracked AND clicks > 0)::int AS clicked,
            count(*) FILTER (WHERE tracked AND status = 'FAILED')::int AS failed,
            coalesce(sum(opens) FILTER (WHERE tracked), 0)::int AS opens, coalesce(sum(clicks) FILTER (WHERE tracked), 0)::int AS clicks,
            coalesce(sum(mpp_opens) FILTER (WHERE tracked), 0)::int AS mpp_opens,
            coalesce(sum(bot_opens) FILTER (WHERE tracked), 0)::int AS bot_opens,
            coalesce(sum(bot_clicks) FILTER (WHERE tracked), 0)::int AS bot_clicks,
            count(*) FILTER (WHERE tracked AND (opens - mpp_opens > 0 OR clicks > 0))::int AS human, max(sent_at) AS last_sent_at
     FROM sends
     WHERE org_id = $1 AND ($2::timestamptz IS NULL OR sent_at >= $2) AND sent_at < $3
       AND ($4::text IS NULL OR sender_id = $4) AND ($5::text IS NULL OR campaign_id = $5)
       AND (NOT $6 OR template_id IS NOT DISTINCT FROM $7)`,
    [
      orgId,
      selection.from?.toISOString() ?? null,
      selection.to.toISOString(),
      selection.sender ?? null,
      selection.campaign ?? null,
      selection.template !== undefined,
      selection.template ?? null,
    ],
  );
  const ratio = (part: number) => (row.sends === 0 ? 0 : part / row.sends);
  return {
    sends: row.sends,
    untrackedSends: row.untracked,
    opened: row.opened,
    clicked: row.clicked,
    failed: row.failed,
    opens: row.opens,
    clicks: row.clicks,
    mppOpens: row.mpp_opens,
    botOpens: row.bot_opens,
    botClicks: row.bot_clicks,
    openRate: ratio(row.opened),
    clickRate: ratio(row.clicked),
    humanOpenRate: ratio(row.human),
    mppShare: row.opens === 0 ? null : row.mpp_opens / row.opens,
    clickToOpenRate: row.opened === 0 ? null : row.clicked / row.opened,
    lastSentAt: row.last_sent_at ? new Date(row.last_sent_at).toISOString() : null,
  };
}

export interface LinkFigures {
  url: string;
  clicks: number;
  uniqueClicks: number;
}

/** LinkStat the obvious way: per (send, URL) pair, then per URL. */
export async function directLinks(db: DataSource, orgId: string, selection: Selection): Promise<LinkFigures[]> {
  return db.query(
    `SELECT url, sum(clicks)::int AS clicks, (count(*) FILTER (WHERE clicks > 0))::int AS "uniqueClicks"
     FROM (
       SELECT s.id, l.url, sum(l.clicks) AS clicks
       FROM sends s JOIN send_links l ON l.org_id = s.org_id AND l.send_id = s.id
       WHERE s.org_id = $1 AND ($2::timestamptz IS NULL OR s.sent_at >= $2) AND s.sent_at < $3
         AND ($4::text IS NULL OR s.sender_id = $4) AND ($5::text IS NULL OR s.campaign_id = $5)
         AND (NOT $6 OR s.template_id IS NOT DISTINCT FROM $7)
       GROUP BY 1, 2) pairs
     GROUP BY url ORDER BY 2 DESC, 3 DESC, url`,
    [
      orgId,
      selection.from?.toISOString() ?? null,
      selection.to.toISOString(),
      selection.sender ?? null,
      selection.campaign ?? null,
      selection.template !== undefined,
      selection.template ?? null,
    ],
  );
}

export interface EventSpec {
  send: string;
  at: Date | string;
  kind?: 'OPEN' | 'CLICK';
  /** a machine's: recorded, never counted */
  bot?: boolean;
  mpp?: boolean;
}

/** Events at chosen times through the real event writer (raw events, counters, activity), each from its own client. */
export async function writeTrackingEvents(db: DataSource, orgId: string, specs: readonly EventSpec[]): Promise<void> {
  await db.transaction(async (manager) => {
    await writeEvents(
      manager,
      specs.map((spec) => ({
        orgId,
        sendId: spec.send,
        kind: spec.kind ?? 'OPEN',
        source: spec.kind === 'CLICK' ? 'REDIRECT' : 'PIXEL',
        occurredAt: new Date(spec.at),
        countable: !spec.bot,
        bot: spec.bot ?? false,
        botReason: spec.bot ? 'USER_AGENT' : null,
        mpp: spec.mpp ?? false,
        linkPosition: null,
        url: null,
        userAgent: spec.bot ? 'Slackbot 1.0' : 'Mozilla/5.0 (Macintosh)',
        ipHash: randomBytes(16).toString('hex'),
      })),
    );
  });
}

/** A small deterministic generator, so a failing random case can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
