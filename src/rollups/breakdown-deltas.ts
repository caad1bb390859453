// Insert-only rows of breakdown_deltas (migration 1765110000000): what sends
// add to the organisation-wide breakdowns by mailbox provider and recipient
// domain, per send day and sender, folded by compaction into
// breakdown_rollups. A send's row in either dimension carries the figures
// the raw breakdown counts over it (section 5's: sends, opened, clicked,
// human opened, opens, clicks, MPP opens), so rollups plus pending deltas
// equal the raw aggregate. Who writes them: the instrumenter and every
// caller of addSendFigures (sendBreakdownInsert, in their own statement),
// moves and deletes of sends (through addSendFigures), the event writer
// (insertBreakdownDeltas: rows it computed from the sends it locked, in
// breakdown-moves.ts) and erasure (the erased sends' figures leave their
// domain for ""). Each is one statement, the organisation $1, every table
// filtered by it: one shard on Citus.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import type { BreakdownDelta } from './breakdown-moves';

export const BREAKDOWN_COLUMNS = ['sends', 'opened', 'clicked', 'human_opened', 'opens', 'clicks', 'mpp_opens'];

/**
 * The INSERT of `groups` (a subquery: per send day, sender, provider and
 * domain, figures named as BREAKDOWN_COLUMNS) times `sign`, one row per
 * dimension. Subqueries rather than a nested WITH: the instrumenter writes
 * it as a CTE of its own statement.
 */
const insertByDimension = (groups: string, sign: string) => `
  INSERT INTO breakdown_deltas (org_id, day, sender_id, dimension, key, ${BREAKDOWN_COLUMNS.join(', ')})
  SELECT $1::text, g.day, g.sender_id, x.dimension, x.key, ${BREAKDOWN_COLUMNS.map((column) => `${sign} * sum(g.${column})`).join(', ')}
  FROM (${groups}) g
  CROSS JOIN LATERAL (VALUES ('MAILBOX_PROVIDER', g.provider), ('RECIPIENT_DOMAIN', g.domain)) AS x(dimension, key)
  GROUP BY 2, 3, 4, 5`;

const GROUP_KEY = `(s.sent_at AT TIME ZONE 'UTC')::date AS day, s.sender_id, s.mailbox_provider AS provider, coalesce(s.recipient_domain, '') AS domain`;

/** A group's figures over the sends `s` as they are. */
const SEND_FIGURES = `count(*) AS sends, count(*) FILTER (WHERE s.opens > 0 OR s.clicks > 0) AS opened,
  count(*) FILTER (WHERE s.clicks > 0) AS clicked, count(*) FILTER (WHERE s.opens > s.mpp_opens OR s.clicks > 0) AS human_opened,
  sum(s.opens) AS opens, sum(s.clicks) AS clicks, sum(s.mpp_opens) AS mpp_opens`;

/**
 * The INSERT of what the sends `from` yields (rows of sends, as `s`) add to
 * the breakdowns, times `sign`; untracked sends add nothing. Written into the
 * instrumenter's own statement too (a CTE in a CTE is no trouble).
 */
export const sendBreakdownInsert = (from: string, sign: string) =>
  insertByDimension(`SELECT ${GROUP_KEY}, ${SEND_FIGURES} FROM (SELECT s.* FROM ${from}) s WHERE s.tracked GROUP BY 1, 2, 3, 4`, sign);

const SEND_BREAKDOWNS = {
  name: 'rollups_breakdown_contributions_v1',
  text: sendBreakdownInsert(`sends s WHERE s.org_id = $1 AND s.id = ANY($2::uuid[])`, '$3::integer'),
};

/** What the sends add to the breakdowns as they are now, times `sign` (addSendFigures calls it). */
export async function addBreakdownFigures(db: EntityManager, orgId: string, sendIds: readonly string[], sign: 1 | -1): Promise<void> {
  if (sendIds.length > 0) await runPrepared(db, SEND_BREAKDOWNS, [orgId, sendIds, sign]);
}

const deltaArrays = ['sends', 'opened', 'clicked', 'humanOpened', 'opens', 'clicks', 'mppOpens'] as const;

// Rows the writer computed (breakdown-moves.ts), as they are: no table read.
const INSERT_DELTAS = {
  name: 'rollups_breakdown_deltas_v1',
  text: `INSERT INTO breakdown_deltas (org_id, day, sender_id, dimension, key, ${BREAKDOWN_COLUMNS.join(', ')})
         SELECT $1::text, date '1970-01-01' + d.day, d.sender_id, d.dimension, d.key, ${BREAKDOWN_COLUMNS.map((column) => `d.${column}`).join(', ')}
         FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[], ${BREAKDOWN_COLUMNS.map((_, index) => `$${index + 6}::bigint[]`).join(', ')})
           AS d(day, sender_id, dimension, key, ${BREAKDOWN_COLUMNS.join(', ')})`,
};

/** The event writer's breakdown rows (its counter moves' and its client moves'), in one statement. */
export async function insertBreakdownDeltas(db: EntityManager, orgId: string, deltas: readonly BreakdownDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await runPrepared(db, INSERT_DELTAS, [
    orgId,
    deltas.map((delta) => delta.day),
    deltas.map((delta) => delta.senderId),
    deltas.map((delta) => delta.dimension),
    deltas.map((delta) => delta.key),
    ...deltaArrays.map((figure) => deltas.map((delta) => delta[figure])),
  ]);
}

// The contact's sends that still hold a domain: their figures leave it for '' (the erased addresses' row).
const ERASED_DOMAINS = `
  INSERT INTO breakdown_deltas (org_id, day, sender_id, dimension, key, ${BREAKDOWN_COLUMNS.join(', ')})
  SELECT $1::text, g.day, g.sender_id, 'RECIPIENT_DOMAIN', x.key, ${BREAKDOWN_COLUMNS.map((column) => `x.sign * sum(g.${column})`).join(', ')}
  FROM (SELECT ${GROUP_KEY}, ${SEND_FIGURES}
        FROM sends s WHERE s.org_id = $1 AND s.contact_id = $2 AND s.tracked AND coalesce(s.recipient_domain, '') <> ''
        GROUP BY 1, 2, 3, 4) g
  CROSS JOIN LATERAL (VALUES (g.domain, -1), ('', 1)) AS x(key, sign)
  GROUP BY 2, 3, 5, x.sign`;

/** Before erasure blanks the contact's sends (locked by the caller). */
export async function moveErasedDomains(db: EntityManager, orgId: string, contactId: string): Promise<void> {
  await db.query(ERASED_DOMAINS, [orgId, contactId]);
}
