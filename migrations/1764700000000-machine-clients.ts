// What the machine rules (BURST, TRAP) and the cross-source rule need from
// the database (contract section 4): the windows in which a client is a
// machine for a send, the stored clicks a new click may pair with, and the
// counted webhook events a pixel or redirect event takes back.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class MachineClients1764700000000 implements MigrationInterface {
  name = 'MachineClients1764700000000';

  async up(db: QueryRunner): Promise<void> {
    // One row per machine client of a send: its first and last trigger clicks.
    // ip_hash is the per-send pseudonym the events carry, nothing more.
    await db.query(`
      CREATE TABLE machine_clients (
        org_id   text NOT NULL,
        send_id  uuid NOT NULL,
        ip_hash  bytea NOT NULL,
        reason   text NOT NULL CHECK (reason IN ('BURST', 'TRAP')),
        first_at timestamptz NOT NULL,
        last_at  timestamptz NOT NULL,
        PRIMARY KEY (org_id, send_id, ip_hash)
      )`);
    // The writer looks machine windows up only for sends that have one.
    await db.query(`ALTER TABLE sends ADD COLUMN machine_seen boolean NOT NULL DEFAULT false`);
    // A client's events the rules look at: counted ones (dedupe, unique
    // clickers, the clicks a burst pairs with) and a machine's own clicks,
    // which go on pairing after they were turned into bot events.
    await db.query(`DROP INDEX tracking_events_client_idx`);
    await db.query(`
      CREATE INDEX tracking_events_client_idx ON tracking_events (org_id, send_id, ip_hash, occurred_at)
      WHERE counted OR bot_reason IN ('BURST', 'TRAP')`);
    // Counted webhook events, which a pixel or redirect event of the same
    // send within 10 minutes takes back: small, and empty without webhooks.
    await db.query(`
      CREATE INDEX tracking_events_webhook_idx ON tracking_events (org_id, send_id, kind, occurred_at)
      WHERE counted AND source = 'WEBHOOK'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS tracking_events_webhook_idx`);
    await db.query(`DROP INDEX IF EXISTS tracking_events_client_idx`);
    await db.query(`CREATE INDEX tracking_events_client_idx ON tracking_events (org_id, send_id, ip_hash, occurred_at) WHERE counted`);
    await db.query(`ALTER TABLE sends DROP COLUMN machine_seen`);
    await db.query(`DROP TABLE IF EXISTS machine_clients`);
  }
}
