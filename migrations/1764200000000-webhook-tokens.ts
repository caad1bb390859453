// Replay protection for Mailgun webhooks. Mailgun signs only `timestamp +
// token`, not the body, so a captured signature could carry a forged body
// while its timestamp is fresh; every token is therefore accepted once.
// Tokens belong to the signing key that verified them, and a key belongs to an
// organisation (its own or one of its teams'): org_id is that organisation, or
// '' for the platform-wide MAILGUN_WEBHOOK_SIGNING_KEY, whose tokens must be
// unique across every organisation relying on it. Rows are only needed while a
// signature can still be fresh (src/webhooks/signature.ts), so they are pruned
// after an hour.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhookTokens1764200000000 implements MigrationInterface {
  name = 'WebhookTokens1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhook_signature_tokens (
        org_id      text NOT NULL,
        provider    text NOT NULL,
        token       text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, provider, token)
      )`);
    // Pruning deletes by age across organisations; PostgreSQL 18 skip-scans
    // the leading org_id (few distinct key owners: '' and the organisations
    // with their own key).
    await db.query(`CREATE INDEX webhook_signature_tokens_received_idx ON webhook_signature_tokens (org_id, received_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS webhook_signature_tokens`);
  }
}
