// Insert-only rows of send_link_stats_deltas (migrations 1764300000001 and
// 1765050000000), the organisation's link figures by month, campaign,
// template and link key (send_links.link_key: its data-track-name, or its
// URL): one statement per call, the organisation a scalar. Folded by
// compaction. The event writer's rows move clicks only: they carry no name,
// URL or time (the instrumenter's rows for the send did).
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';

/**
 * positions: link rows carrying the key; clicks: their counted clicks;
 * clicked: sends in which the key was clicked (a send counts once however
 * many positions carry the key).
 */
export interface LinkStatsDelta {
  /** the send's UTC month, as the day number of its first day */
  month: number;
  campaignKey: string;
  templateKey: string;
  linkKey: string;
  positions: number;
  clicks: number;
  clicked: number;
}

const INSERT_LINK_STATS_DELTAS = {
  name: 'rollups_link_stats_deltas_v2',
  text: `INSERT INTO send_link_stats_deltas (org_id, month, campaign_key, template_key, link_key, positions, clicks, clicked)
         SELECT $1::text, date '1970-01-01' + d.month, d.campaign_key, d.template_key, d.link_key, d.positions, d.clicks, d.clicked
         FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
           AS d(month, campaign_key, template_key, link_key, positions, clicks, clicked)`,
};

export async function insertLinkStatsDeltas(db: EntityManager, orgId: string, deltas: readonly LinkStatsDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await runPrepared(db, INSERT_LINK_STATS_DELTAS, [
    orgId,
    deltas.map((delta) => delta.month),
    deltas.map((delta) => delta.campaignKey),
    deltas.map((delta) => delta.templateKey),
    deltas.map((delta) => delta.linkKey),
    deltas.map((delta) => delta.positions),
    deltas.map((delta) => delta.clicks),
    deltas.map((delta) => delta.clicked),
  ]);
}
