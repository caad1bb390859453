// Query.activity's index, rebuilt so that the event writer's probes cannot
// use it (issue 23).
//
// tracking_events_recent_idx (org_id, occurred_at) served the activity feed,
// and every per-key probe of the writer matched it too (org_id = $1, and a
// time range). Where the planner has no statistics to go by (a partition
// analysed while empty or never, a fresh install, a new month) it estimates
// one row for every candidate index and takes the cheapest to descend: often
// that one. Each of a batch's 2,000 probes then walked the organisation's
// events in its time range (or since the send, for earlier clicks), and the
// writer's statement ran into its timeout. Keyed on an expression of the
// time, the index still matched the organisation alone, and was still taken.
//
// So the index is partial, on a condition that holds for every row and that
// only the feed states: recorded_at (set by default on insert) past
// '-infinity'. No statement of the writer names recorded_at, so none can
// use the index, whatever the planner estimates. (Not `IS NOT NULL`: since
// PostgreSQL 17 the planner drops that condition on a NOT NULL column from
// a query, and the feed could not use the index either.)
//
// Built like its predecessor (migration 1765040000000): on the parent only,
// then CONCURRENTLY on each partition and attached, so the writer is not
// blocked; the old index is dropped after (a catalogue change).
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createEventsIndexConcurrently } from './partitioned-index';

/** Query.activity (src/live/activity-reads.ts) states the same condition. */
const KEY = `(org_id, occurred_at) WHERE recorded_at > '-infinity'`;

export class LatestEventsIndex1765100000000 implements MigrationInterface {
  name = 'LatestEventsIndex1765100000000';
  transaction = false;

  async up(db: QueryRunner): Promise<void> {
    await db.query(`SET statement_timeout = 0`);
    try {
      await createEventsIndexConcurrently(db, 'tracking_events_latest_idx', 'latest_idx', KEY);
      await db.query(`DROP INDEX IF EXISTS tracking_events_recent_idx`);
    } finally {
      await db.query(`RESET statement_timeout`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX IF NOT EXISTS tracking_events_recent_idx ON tracking_events (org_id, occurred_at)`);
    await db.query(`DROP INDEX IF EXISTS tracking_events_latest_idx`);
  }
}
