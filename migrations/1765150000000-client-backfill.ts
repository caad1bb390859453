// Clients for counted events stored before the writer parsed them (contract
// section 13; migration 1765050000000 left them in no client row). One cursor
// per organisation that has such events; the server works through them in
// the background (src/events/client-backfill.ts), resuming where it stopped.
// Finding the organisations reads the raw events once, here.
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { queueClientBackfill } from '../src/events/client-backfill';

export class ClientBackfill1765150000000 implements MigrationInterface {
  name = 'ClientBackfill1765150000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE client_backfill (
        org_id            text PRIMARY KEY,
        after_send_id     uuid,
        after_occurred_at timestamptz,
        after_id          uuid,
        queued_at         timestamptz NOT NULL DEFAULT now(),
        finished_at       timestamptz
      )`);
    await queueClientBackfill(db);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS client_backfill`);
  }
}
