// What the per-send client counters (send_clients) add to the
// organisation-wide breakdowns by mail client and by device, as rows of
// breakdown_deltas (migration 1765110000000), per send day and sender. A
// send counts in a client's row (or a device's) when its counters for that
// client, over every device (or for that device, over every client), hold
// a counted open or click: the row's figures are the raw aggregate's
// (src/stats/breakdown.repository.ts) over the same counters. Written by
// every caller of addSendFigures (moves and deletes of sends, the data
// generator, fixtures: the counters as they are, times a sign), here, and by
// whoever moves the counters (the event writer, the client backfill: rows
// computed in breakdown-moves.ts). One statement, the organisation $1.
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
