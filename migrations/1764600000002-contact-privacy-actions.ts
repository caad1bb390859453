// The audit trail of consent changes and erasures (contract section 7): who
// (user id and role from the token) did what to which contact id, and when,
// written in the same transaction as the action. It never holds an email
// address: an erasure's row says only how much it removed. Kept forever, like
// the aggregates it explains.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ContactPrivacyActions1764600000002 implements MigrationInterface {
  name = 'ContactPrivacyActions1764600000002';

  async up(db: QueryRunner): Promise<void> {
    // id orders the rows as they were recorded: newest first is a backward
    // scan of the primary key (the organisation's trail) or of the contact
    // index (one contact's), and a page starts below the last id seen.
    await db.query(`
      CREATE TABLE contact_privacy_actions (
        org_id         text NOT NULL,
        id             bigint GENERATED ALWAYS AS IDENTITY,
        contact_id     text NOT NULL,
        action         text NOT NULL CHECK (action IN ('CONSENT_WITHDRAWN', 'CONSENT_GIVEN', 'ERASED')),
        actor_id       text NOT NULL,
        actor_role     text NOT NULL CHECK (actor_role IN ('owner', 'admin', 'partner', 'sales_rep', 'member', 'service')),
        acted_at       timestamptz NOT NULL DEFAULT now(),
        sends_erased   integer CHECK (sends_erased >= 0),
        events_deleted integer CHECK (events_deleted >= 0),
        PRIMARY KEY (org_id, id),
        CHECK ((action = 'ERASED') = (sends_erased IS NOT NULL AND events_deleted IS NOT NULL))
      )`);
    await db.query(`CREATE INDEX contact_privacy_actions_contact_idx ON contact_privacy_actions (org_id, contact_id, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS contact_privacy_actions`);
  }
}
