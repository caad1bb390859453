// What the per-send client counters (send_clients) add to the
// organisation-wide breakdowns by mail client and by device, as rows of
// breakdown_deltas (migration 1765110000000), per send day and sender. A
// send counts in a client's row (or a device's) when its counters for that
// client, over every device (or for that device, over every client), hold
// a counted open or click: the row's figures are the raw aggregate's
// (src/stats/breakdown.repository.ts) over the same counters. Written by the
// event writer (addClientCounterBreakdowns: per touched send and client or device,
// its figures after the batch's counter moves minus before, read before
// they are applied) and by every caller of addSendFigures (moves and
// deletes of sends, the data generator, fixtures: the counters as they are,
// times a sign). One statement each, the organisation $1.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';

const INTO = `INSERT INTO breakdown_deltas (org_id, day, sender_id, dimension, key, sends, opened, clicked, human_opened, opens, clicks, mpp_opens)`;

/** A row of send_clients (`c`) under each dimension: its client and its device. */
const DIMENSIONS = `(VALUES ('EMAIL_CLIENT', c.client), ('DEVICE', c.device)) AS x(dimension, key)`;

// Per send and key (`g`: its opens, clicks, MPP opens over the key's rows), times the sign.
const figuresOf = (sign: string) => `${sign} * count(*), ${sign} * count(*) FILTER (WHERE g.opens > 0), ${sign} * count(*) FILTER (WHERE g.clicks > 0),
  ${sign} * count(*) FILTER (WHERE g.opens > g.mpp_opens OR g.clicks > 0), ${sign} * sum(g.opens), ${sign} * sum(g.clicks), ${sign} * sum(g.mpp_opens)`;

// send_clients' primary key per send (its rows lead with the send).
const SEND_CLIENTS = {
  name: 'rollups_client_breakdown_contributions_v1',
  text: `${INTO}
    SELECT $1::text, g.day, g.sender_id, g.dimension, g.key, ${figuresOf('$3::integer')}
    FROM (SELECT (s.sent_at AT TIME ZONE 'UTC')::date AS day, s.sender_id, s.id, x.dimension, x.key,
                 sum(c.opens) AS opens, sum(c.clicks) AS clicks, sum(c.mpp_opens) AS mpp_opens
          FROM sends s
          JOIN send_clients c ON c.org_id = s.org_id AND c.send_id = s.id
          CROSS JOIN LATERAL ${DIMENSIONS}
          WHERE s.org_id = $1 AND s.id = ANY($2::uuid[]) AND s.tracked
          GROUP BY 1, 2, 3, 4, 5
          HAVING sum(c.opens) + sum(c.clicks) > 0) g
    GROUP BY 2, 3, 4, 5`,
};

/** What the sends' client counters add to the breakdowns as they are now, times `sign` (addSendFigures calls it). */
export async function addClientBreakdownFigures(db: EntityManager, orgId: string, sendIds: readonly string[], sign: 1 | -1): Promise<void> {
  if (sendIds.length > 0) await runPrepared(db, SEND_CLIENTS, [orgId, sendIds, sign]);
}

/** A move of one send's counters for one client and device, as the event writer applies it. */
export interface ClientCounterMove {
  sendId: string;
  client: string;
  device: string;
  opens: number;
  clicks: number;
  mppOpens: number;
}

// Per send and key: the batch's moves (`d_`) and the counters before them
// (`b_`, the key's rows of the send by send_clients' primary key); the send's
// day and sender by sends_pkey. Figures after minus before. Plain joins on
// the organisation: Citus plans no LATERAL probe of two distributed tables
// ("complex joins are only supported when ... joined on their distribution
// columns").
const before = (test: string) => test.replace(/\bb\.(\w+)/g, 'g.b_$1');
const after = (test: string) => test.replace(/\bb\.(\w+)/g, '(g.b_$1 + g.d_$1)');
const moved = (test: string) => `sum((${after(test)})::int - (${before(test)})::int)`;
const CLIENT_MOVES = {
  name: 'rollups_client_breakdown_moves_v2',
  text: `${INTO}
    SELECT $1::text, g.day, g.sender_id, g.dimension, g.key,
           ${moved('b.opens + b.clicks > 0')}, ${moved('b.opens > 0')}, ${moved('b.clicks > 0')},
           ${moved('b.opens > b.mpp_opens OR b.clicks > 0')}, sum(g.d_opens), sum(g.d_clicks), sum(g.d_mpp_opens)
    FROM (SELECT (s.sent_at AT TIME ZONE 'UTC')::date AS day, s.sender_id, m.dimension, m.key,
                 m.opens AS d_opens, m.clicks AS d_clicks, m.mpp_opens AS d_mpp_opens,
                 coalesce(sum(c.opens), 0) AS b_opens, coalesce(sum(c.clicks), 0) AS b_clicks, coalesce(sum(c.mpp_opens), 0) AS b_mpp_opens
          FROM (SELECT c.send_id, x.dimension, x.key, sum(c.opens) AS opens, sum(c.clicks) AS clicks, sum(c.mpp_opens) AS mpp_opens
                FROM unnest($2::uuid[], $3::text[], $4::text[], $5::integer[], $6::integer[], $7::integer[])
                  AS c(send_id, client, device, opens, clicks, mpp_opens)
                CROSS JOIN LATERAL ${DIMENSIONS}
                GROUP BY 1, 2, 3) m
          JOIN sends s ON s.org_id = $1 AND s.id = m.send_id AND s.tracked
          LEFT JOIN send_clients c ON c.org_id = s.org_id AND c.send_id = s.id
            AND CASE m.dimension WHEN 'EMAIL_CLIENT' THEN c.client ELSE c.device END = m.key
          GROUP BY s.id, s.sent_at, s.sender_id, m.dimension, m.key, m.opens, m.clicks, m.mpp_opens) g
    GROUP BY 2, 3, 4, 5`,
};

/** The breakdowns' share of a batch's client counter moves; call before they are applied to send_clients. */
export async function addClientCounterBreakdowns(db: EntityManager, orgId: string, moves: readonly ClientCounterMove[]): Promise<void> {
  if (moves.length === 0) return;
  await runPrepared(db, CLIENT_MOVES, [
    orgId,
    moves.map((move) => move.sendId),
    moves.map((move) => move.client),
    moves.map((move) => move.device),
    moves.map((move) => move.opens),
    moves.map((move) => move.clicks),
    moves.map((move) => move.mppOpens),
  ]);
}
