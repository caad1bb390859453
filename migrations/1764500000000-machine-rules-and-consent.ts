// Columns the machine rules and the privacy controls need (contract sections
// 4, 5 and 7): why an event is a machine's, the bot counters kept forever on
// each send, and a contact's tracking consent and erasure.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class MachineRulesAndConsent1764500000000 implements MigrationInterface {
  name = 'MachineRulesAndConsent1764500000000';

  async up(db: QueryRunner): Promise<void> {
    // Adding a nullable column without a default rewrites nothing, on any partition.
    await db.query(`
      ALTER TABLE tracking_events ADD COLUMN bot_reason text
        CHECK (bot_reason IN ('USER_AGENT', 'NETWORK', 'BURST', 'TRAP', 'MAILGUN'))`);
    // Constant defaults are stored in the catalogue (PostgreSQL 11+): no table rewrite.
    await db.query(`ALTER TABLE sends ADD COLUMN bot_opens integer NOT NULL DEFAULT 0, ADD COLUMN bot_clicks integer NOT NULL DEFAULT 0`);
    await db.query(`UPDATE sends s SET bot_opens = b.opens, bot_clicks = b.clicks FROM (
        SELECT org_id, send_id, count(*) FILTER (WHERE kind = 'OPEN') AS opens, count(*) FILTER (WHERE kind = 'CLICK') AS clicks
        FROM tracking_events WHERE bot GROUP BY 1, 2) b
      WHERE s.org_id = b.org_id AND s.id = b.send_id`);
    await db.query(`UPDATE tracking_events SET bot_reason = 'USER_AGENT' WHERE bot`);
    await db.query(`ALTER TABLE contacts ADD COLUMN tracking_consent boolean NOT NULL DEFAULT true`);
    await db.query(`ALTER TABLE contacts DROP CONSTRAINT contacts_status_check`);
    await db.query(`
      ALTER TABLE contacts ADD CONSTRAINT contacts_status_check
        CHECK (status IN ('ACTIVE', 'BOUNCED', 'COMPLAINED', 'UNSUBSCRIBED', 'ERASED'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE contacts DROP CONSTRAINT contacts_status_check`);
    await db.query(`ALTER TABLE contacts ADD CONSTRAINT contacts_status_check CHECK (status IN ('ACTIVE', 'BOUNCED', 'COMPLAINED', 'UNSUBSCRIBED'))`);
    await db.query(`ALTER TABLE contacts DROP COLUMN tracking_consent`);
    await db.query(`ALTER TABLE sends DROP COLUMN bot_opens, DROP COLUMN bot_clicks`);
    await db.query(`ALTER TABLE tracking_events DROP COLUMN bot_reason`);
  }
}
