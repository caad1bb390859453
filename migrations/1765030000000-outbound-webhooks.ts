// Outbound webhooks (contract section 11): the CRM's endpoints, the outbox
// the recording transactions write, and one delivery per endpoint and event.
// Every key leads with org_id so the tables distribute with the rest; the
// dispatcher's claims are the one place that reads across organisations
// (docs/outbound-webhooks.md).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OutboundWebhooks1765030000000 implements MigrationInterface {
  name = 'OutboundWebhooks1765030000000';

  async up(db: QueryRunner): Promise<void> {
    // team_id '' is the organisation's own scope, as in email_settings.
    // events NULL: every type. The secrets are sealed (secrets/secret-box.ts);
    // the previous one keeps signing until previous_secret_until (rotation).
    await db.query(`
      CREATE TABLE webhook_endpoints (
        org_id                text NOT NULL,
        id                    uuid NOT NULL DEFAULT gen_random_uuid(),
        team_id               text NOT NULL DEFAULT '',
        url                   text NOT NULL,
        events                text[],
        human_only            boolean NOT NULL DEFAULT false,
        enabled               boolean NOT NULL DEFAULT true,
        disabled_reason       text,
        secret_enc            bytea NOT NULL,
        previous_secret_enc   bytea,
        previous_secret_until timestamptz,
        created_at            timestamptz NOT NULL DEFAULT now(),
        updated_at            timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, id)
      )`);
    await db.query(`CREATE INDEX webhook_endpoints_scope_idx ON webhook_endpoints (org_id, team_id, created_at)`);

    // Events to announce, written in the transaction that recorded them. Opens
    // and clicks wait here until their machine window has closed (due_at);
    // id is the message's webhook-id (an open's or click's own event id).
    await db.query(`
      CREATE TABLE webhook_outbox (
        org_id      text NOT NULL,
        id          uuid NOT NULL,
        type        text NOT NULL CHECK (type IN ('OPENED', 'CLICKED', 'BOUNCED', 'COMPLAINED', 'UNSUBSCRIBED', 'RECLASSIFIED')),
        event_id    uuid NOT NULL,
        send_id     uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        due_at      timestamptz NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, id)
      )`);
    // The only index besides the key: every event of an organisation with
    // endpoints inserts a row. Erasure finds a contact's rows among its
    // organisation's few (about a minute's events) through it too.
    await db.query(`CREATE INDEX webhook_outbox_due_idx ON webhook_outbox (org_id, due_at)`);

    // One message to one endpoint. payload is the body exactly as signed and
    // sent on every attempt. While an attempt is in flight, next_attempt_at is
    // its lease: another instance claims the delivery again only after it;
    // lease_id names the attempt, so an attempt's outcome arriving after a
    // redelivery counts as an attempt without undoing the redelivery.
    // after_id: a reclassification waits for its original's delivery.
    await db.query(`
      CREATE TABLE webhook_deliveries (
        org_id           text NOT NULL,
        id               uuid NOT NULL DEFAULT gen_random_uuid(),
        endpoint_id      uuid NOT NULL,
        message_id       uuid NOT NULL,
        event_id         uuid NOT NULL,
        type             text NOT NULL,
        send_id          uuid,
        contact_id       text,
        payload          text NOT NULL,
        status           text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
        attempts         integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error       text,
        last_attempt_at  timestamptz,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        retry_from       timestamptz NOT NULL DEFAULT now(),
        after_id         uuid,
        lease_id         uuid,
        created_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, id),
        UNIQUE (org_id, endpoint_id, message_id)
      )`);
    // The dispatcher's claim, endpoint by endpoint: only pending rows.
    await db.query(`
      CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (org_id, endpoint_id, next_attempt_at)
      WHERE status = 'PENDING'`);
    await db.query(`CREATE INDEX webhook_deliveries_recent_idx ON webhook_deliveries (org_id, endpoint_id, created_at DESC)`);
    // A reclassification finds the deliveries of its original event.
    await db.query(`CREATE INDEX webhook_deliveries_message_idx ON webhook_deliveries (org_id, message_id)`);
    // Erasure drops a contact's deliveries; retention prunes by age.
    await db.query(`CREATE INDEX webhook_deliveries_contact_idx ON webhook_deliveries (org_id, contact_id)`);
    await db.query(`CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (org_id, created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE webhook_deliveries`);
    await db.query(`DROP TABLE webhook_outbox`);
    await db.query(`DROP TABLE webhook_endpoints`);
  }
}
