// Live activity (contract section 12).
//
// live_streams: one row per open stream, on whichever instance holds it,
// kept alive by that instance's heartbeat. The event writer asks it whether
// anyone watches an organisation before doing anything for the fan-out, and
// a user's streams are counted there against EMAIL_TRACKING_MAX_STREAMS_PER_USER
// across instances.
//
// live_batches: per written batch of a watched organisation, the keys of the
// events it stored or reclassified, so a NOTIFY can carry the batch's id
// instead of thousands of event ids (a payload holds 8,000 bytes). Rows live
// about a minute.
//
// tracking_events_recent_idx serves Query.activity, the latest events of an
// organisation. Built without blocking the writer: on the parent only, then
// CONCURRENTLY on each monthly partition and attached (partitions created
// later get it from the parent). A build that failed half way leaves an
// INVALID index behind, dropped before building again.
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createEventsIndexConcurrently } from './partitioned-index';


export class LiveActivity1765040000000 implements MigrationInterface {
  name = 'LiveActivity1765040000000';
  transaction = false;

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE IF NOT EXISTS live_streams (
        org_id      text NOT NULL,
        id          uuid NOT NULL,
        user_id     text NOT NULL,
        instance_id uuid NOT NULL,
        opened_at   timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL,
        PRIMARY KEY (org_id, id)
      )`);
    await db.query(`
      CREATE TABLE IF NOT EXISTS live_batches (
        org_id       text NOT NULL,
        id           uuid NOT NULL,
        written_at   timestamptz NOT NULL DEFAULT now(),
        send_ids     uuid[] NOT NULL,
        occurred_ms  float8[] NOT NULL,
        event_ids    uuid[] NOT NULL,
        reclassified boolean[] NOT NULL,
        PRIMARY KEY (org_id, id)
      )`);
    await db.query(`CREATE INDEX IF NOT EXISTS live_batches_written_idx ON live_batches (org_id, written_at)`);

    await db.query(`SET statement_timeout = 0`);
    try {
      await createEventsIndexConcurrently(db, 'tracking_events_recent_idx', 'recent_idx', '(org_id, occurred_at)');
    } finally {
      await db.query(`RESET statement_timeout`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS tracking_events_recent_idx`);
    await db.query(`DROP TABLE IF EXISTS live_batches`);
    await db.query(`DROP TABLE IF EXISTS live_streams`);
  }
}
