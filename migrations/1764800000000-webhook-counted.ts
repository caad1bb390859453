// Which sends have a counted Mailgun open or click, so the event writer looks
// for webhook events to take back (contract section 4, the 10-minute
// cross-source rule) only where one can exist: most sends never have one,
// and the look-up was a probe per send and kind of every pixel and redirect
// batch.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhookCounted1764800000000 implements MigrationInterface {
  name = 'WebhookCounted1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sends ADD COLUMN webhook_counted boolean NOT NULL DEFAULT false`);
    // Served by tracking_events_webhook_idx, which holds exactly these events.
    await db.query(`
      UPDATE sends s SET webhook_counted = true
      FROM (SELECT DISTINCT org_id, send_id FROM tracking_events WHERE counted AND source = 'WEBHOOK') w
      WHERE s.org_id = w.org_id AND s.id = w.send_id`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sends DROP COLUMN webhook_counted`);
  }
}
