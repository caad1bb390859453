// The initial data model. Every table carries org_id, leading its primary key
// and every index, so the schema can be distributed by organisation (Citus,
// see docs/scaling.md). Ids that come from the CRM (contacts, campaigns,
// templates, enrollments, senders, teams) are opaque text; ids we mint are uuids.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);

    await db.query(`
      CREATE TABLE campaigns (
        org_id     text NOT NULL,
        id         text NOT NULL,
        name       text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, id)
      )`);

    await db.query(`
      CREATE TABLE templates (
        org_id     text NOT NULL,
        id         text NOT NULL,
        name       text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, id)
      )`);

    // status is the suppression state: anything but ACTIVE refuses new sends.
    await db.query(`
      CREATE TABLE contacts (
        org_id            text NOT NULL,
        id                text NOT NULL,
        email             text NOT NULL,
        status            text NOT NULL DEFAULT 'ACTIVE'
                          CHECK (status IN ('ACTIVE', 'BOUNCED', 'COMPLAINED', 'UNSUBSCRIBED')),
        status_changed_at timestamptz,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, id)
      )`);

    await db.query(`
      CREATE TABLE enrollments (
        org_id      text NOT NULL,
        id          text NOT NULL,
        contact_id  text NOT NULL,
        campaign_id text,
        status      text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'UNENROLLED')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, id)
      )`);
    // A complaint unenrolls every enrollment of the contact.
    await db.query(`CREATE INDEX enrollments_contact_idx ON enrollments (org_id, contact_id)`);

    // One row per instrumentEmail call. The counters are the stats' source of
    // truth and are kept forever; raw events may be pruned.
    await db.query(`
      CREATE TABLE sends (
        org_id            text NOT NULL,
        id                uuid NOT NULL DEFAULT gen_random_uuid(),
        sent_at           timestamptz NOT NULL DEFAULT now(),
        sender_id         text NOT NULL,
        sender_team_id    text,
        contact_id        text NOT NULL,
        recipient_email   text NOT NULL,
        subject           text,
        campaign_id       text,
        template_id       text,
        enrollment_id     text,
        step_index        integer,
        message_id        text,
        tracked           boolean NOT NULL,
        tracked_links     integer NOT NULL DEFAULT 0,
        status            text NOT NULL DEFAULT 'SENT' CHECK (status IN ('SENT', 'DEFERRED', 'FAILED')),
        status_changed_at timestamptz,
        opens             integer NOT NULL DEFAULT 0,
        clicks            integer NOT NULL DEFAULT 0,
        mpp_opens         integer NOT NULL DEFAULT 0,
        first_opened_at   timestamptz,
        last_opened_at    timestamptz,
        last_clicked_at   timestamptz,
        PRIMARY KEY (org_id, id)
      ) WITH (fillfactor = 70)`);
    // Room on every page lets the counter updates be HOT (no index writes):
    // counters are deliberately left out of every index on sends.
    // Range scans by send time: the whole org, one campaign, one template, one sender.
    await db.query(`CREATE INDEX sends_sent_at_idx ON sends (org_id, sent_at)`);
    await db.query(`CREATE INDEX sends_campaign_idx ON sends (org_id, campaign_id, sent_at)`);
    await db.query(`CREATE INDEX sends_template_idx ON sends (org_id, template_id, sent_at)`);
    await db.query(`CREATE INDEX sends_sender_idx ON sends (org_id, sender_id, sent_at)`);
    await db.query(`CREATE INDEX sends_contact_idx ON sends (org_id, contact_id, sent_at)`);
    // Webhooks that carry no send_id are matched by Message-Id.
    await db.query(`CREATE INDEX sends_message_id_idx ON sends (org_id, message_id) WHERE message_id IS NOT NULL`);

    // The rewritten links of a send, by position in the email, with their
    // counters (kept forever, like the send's).
    await db.query(`
      CREATE TABLE send_links (
        org_id           text NOT NULL,
        send_id          uuid NOT NULL,
        position         integer NOT NULL,
        url              text NOT NULL,
        clicks           integer NOT NULL DEFAULT 0,
        unique_clickers  integer NOT NULL DEFAULT 0,
        first_clicked_at timestamptz,
        last_clicked_at  timestamptz,
        PRIMARY KEY (org_id, send_id, position)
      ) WITH (fillfactor = 80)`);

    // Raw open and click events, by month so retention drops whole partitions.
    // ip_hash is an HMAC of the client IP keyed per send: it serves dedupe
    // within one send and cannot link a recipient across emails. The primary
    // key leads with the send so Send.events and the webhook look-back over a
    // send's recent events are index range scans; ids are random for pixel and
    // redirect events and derived from Mailgun's event id for webhook events.
    await db.query(`
      CREATE TABLE tracking_events (
        org_id        text NOT NULL,
        send_id       uuid NOT NULL,
        occurred_at   timestamptz NOT NULL,
        id            uuid NOT NULL,
        recorded_at   timestamptz NOT NULL DEFAULT now(),
        kind          text NOT NULL CHECK (kind IN ('OPEN', 'CLICK')),
        source        text NOT NULL CHECK (source IN ('PIXEL', 'REDIRECT', 'WEBHOOK')),
        counted       boolean NOT NULL,
        bot           boolean NOT NULL,
        mpp           boolean NOT NULL,
        link_position integer,
        url           text,
        user_agent    text,
        ip_hash       bytea,
        PRIMARY KEY (org_id, send_id, occurred_at, id)
      ) PARTITION BY RANGE (occurred_at)`);
    // The same-client dedupe (5 s) and unique clickers look up a send's counted
    // events by client; only counted events matter there.
    await db.query(`
      CREATE INDEX tracking_events_client_idx ON tracking_events (org_id, send_id, ip_hash, occurred_at)
      WHERE counted`);
    // Catches anything outside the monthly partitions so an insert never fails.
    await db.query(`CREATE TABLE tracking_events_default PARTITION OF tracking_events DEFAULT`);

    // Creates the monthly partitions covering [from_month, to_month]; used here,
    // by the server's maintenance (so the months ahead always exist) and by data
    // generators. Rows already caught by the default partition for a month are
    // moved into the new partition, which PostgreSQL would otherwise refuse.
    await db.query(`
      CREATE FUNCTION ensure_tracking_event_partitions(from_month date, to_month date)
      RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE
        month   date := from_month - (extract(day FROM from_month)::integer - 1);
        created integer := 0;
        name    text;
        lo      timestamptz;
        hi      timestamptz;
      BEGIN
        WHILE month <= to_month LOOP
          name := 'tracking_events_' || to_char(month, 'YYYY_MM');
          lo := month::timestamp AT TIME ZONE 'UTC';
          hi := (month + interval '1 month')::timestamp AT TIME ZONE 'UTC';
          IF to_regclass(name) IS NULL THEN
            CREATE TEMP TABLE moved_tracking_events ON COMMIT DROP AS
              SELECT * FROM tracking_events_default WHERE occurred_at >= lo AND occurred_at < hi;
            DELETE FROM tracking_events_default WHERE occurred_at >= lo AND occurred_at < hi;
            EXECUTE format('CREATE TABLE %I PARTITION OF tracking_events FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
            INSERT INTO tracking_events SELECT * FROM moved_tracking_events;
            DROP TABLE moved_tracking_events;
            created := created + 1;
          END IF;
          month := (month + interval '1 month')::date;
        END LOOP;
        RETURN created;
      END $$`);
    await db.query(`
      SELECT ensure_tracking_event_partitions(
        ((now() AT TIME ZONE 'UTC') - interval '13 months')::date,
        ((now() AT TIME ZONE 'UTC') + interval '3 months')::date)`);

    // Mailgun event ids already handled: a repeat delivery is acknowledged and ignored.
    await db.query(`
      CREATE TABLE processed_webhook_events (
        org_id      text NOT NULL,
        provider    text NOT NULL,
        event_id    text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, provider, event_id)
      )`);

    // Per-organisation and per-team settings. team_id '' is the organisation's
    // own row. The Mailgun key is AES-256-GCM ciphertext, never returned.
    await db.query(`
      CREATE TABLE email_settings (
        org_id                   text NOT NULL,
        team_id                  text NOT NULL DEFAULT '',
        mailgun_signing_key_enc  bytea,
        updated_at               timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, team_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'email_settings',
      'processed_webhook_events',
      'tracking_events',
      'send_links',
      'sends',
      'enrollments',
      'contacts',
      'templates',
      'campaigns',
    ]) {
      await db.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    }
    await db.query(`DROP FUNCTION IF EXISTS ensure_tracking_event_partitions(date, date)`);
  }
}
