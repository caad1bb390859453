// Insert-only rows of send_stats_deltas (migration 1764300000000): one
// statement per call, the organisation a scalar, so on Citus it goes to that
// organisation's shard. Writers never update a shared rollup row: compaction
// folds these rows (src/stats/compaction.ts), readers add the pending ones.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { SEND_FIGURE_COLUMNS as COLUMNS, SEND_FIGURES, type RollupKey, type SendFigures } from './figures';

/** One rollup group's change; lastSentAt: the latest send it gained (a removal cannot lower it: see move-sends.ts). */
export interface SendStatsDelta extends RollupKey, SendFigures {
  lastSentAt: number | null;
}

const figureArrays = COLUMNS.map((_, index) => `$${index + 6}::bigint[]`).join(', ');

const INSERT_STATS_DELTAS = {
  name: 'rollups_send_stats_deltas_v1',
  text: `INSERT INTO send_stats_deltas (org_id, day, sender_id, campaign_key, template_key, ${COLUMNS.join(', ')}, last_sent_at)
         SELECT $1::text, date '1970-01-01' + d.day, d.sender_id, d.campaign_key, d.template_key, ${COLUMNS.map((column) => `d.${column}`).join(', ')},
                to_timestamp(d.last_sent_at / 1000.0)
         FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[], ${figureArrays}, $${COLUMNS.length + 6}::float8[])
           AS d(day, sender_id, campaign_key, template_key, ${COLUMNS.join(', ')}, last_sent_at)`,
};

export async function insertSendStatsDeltas(db: EntityManager, orgId: string, deltas: readonly SendStatsDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await runPrepared(db, INSERT_STATS_DELTAS, [
    orgId,
    deltas.map((delta) => delta.day),
    deltas.map((delta) => delta.senderId),
    deltas.map((delta) => delta.campaignKey),
    deltas.map((delta) => delta.templateKey),
    ...SEND_FIGURES.map((figure) => deltas.map((delta) => delta[figure])),
    deltas.map((delta) => delta.lastSentAt),
  ]);
}
