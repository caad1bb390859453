// The counters on send_links, kept forever: clicks, unique clickers, first
// and last click. One statement per batch, which also returns, per link, its
// key (its data-track-name, or its URL) and how often its send's links under
// that key were clicked before the statement (a subquery sees the rows as
// they were when the statement began): what the link rollups need to tell
// which sends' clicks on a key went from none to some, or back. The organisation is $1: one shard on Citus.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { fromEpochMs } from './batch-reads';
import type { ClickedLink, LinkCounterDelta } from './link-deltas';

// send_links_pkey per link, and per send for the key's clicks. A link whose
// every click was taken back has no clicker left; one clicked by a client
// without an address has at least one.
const BUMP_LINKS = {
  name: 'events_bump_links_v5',
  text: `UPDATE send_links l SET
           clicks = l.clicks + d.clicks,
           unique_clickers = CASE WHEN l.clicks + d.clicks <= 0 THEN 0 ELSE GREATEST(l.unique_clickers + d.clickers, 1) END,
           first_clicked_at = LEAST(l.first_clicked_at, ${fromEpochMs('d.first_at')}),
           last_clicked_at = GREATEST(l.last_clicked_at, ${fromEpochMs('d.last_at')})
         FROM unnest($2::uuid[], $3::integer[], $4::integer[], $5::integer[], $6::float8[], $7::float8[])
           AS d(send_id, position, clicks, clickers, first_at, last_at)
         WHERE l.org_id = $1 AND l.send_id = d.send_id AND l.position = d.position
         RETURNING l.send_id, l.position, l.link_key,
           (SELECT sum(x.clicks) FROM send_links x WHERE x.org_id = $1 AND x.send_id = l.send_id AND x.link_key = l.link_key)::integer AS key_clicks_before`,
};

export async function bumpLinkCounters(db: EntityManager, orgId: string, rows: readonly LinkCounterDelta[]): Promise<ClickedLink[]> {
  if (rows.length === 0) return [];
  const updated = await runPrepared<{ send_id: string; position: number; link_key: string; key_clicks_before: number }>(db, BUMP_LINKS, [
    orgId,
    rows.map((row) => row.sendId),
    rows.map((row) => row.position),
    rows.map((row) => row.clicks),
    rows.map((row) => row.clickers),
    rows.map((row) => row.first),
    rows.map((row) => row.last),
  ]);
  return updated.map((row) => ({ sendId: row.send_id, position: row.position, linkKey: row.link_key, keyClicksBefore: row.key_clicks_before }));
}
