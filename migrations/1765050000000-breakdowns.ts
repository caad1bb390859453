// Breakdowns (contract section 13) and named links (section 3 rule 7):
// - sends keep their recipient's provider and lower-case domain, fixed at
//   send time; existing sends get them from the address they still hold
//   (an erased one: no domain, OTHER), mapped by the same pure table the
//   instrumenter uses (src/breakdowns/mailbox-providers.ts);
// - send_links keep the link's data-track-name, and `link_key`
//   (its name, or its URL when unnamed) is the one grouping key of link
//   figures, whichever code writes their rollup deltas;
// - send_link_stats and its deltas are keyed by link_key and carry the first
//   URL seen under it (with that send's time, so folding keeps the earliest);
// - per-send client counters (send_clients) and the client of each raw event,
//   filled by the event writer (see docs/breakdowns.md).
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { classifyRecipient } from '../src/breakdowns/mailbox-providers';

/** Domains per statement when filling existing sends. */
const DOMAIN_CHUNK = 5_000;

/** What the backfill needs of a query runner or a data source. */
interface Queryable {
  // any, as TypeORM's own query() returns: each call below says what it reads.
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

/**
 * Every send that still holds an address gets its domain and provider from
 * it; an erased one (address '') keeps no domain and the default OTHER.
 * Exported for its test, which runs it on a scratch database.
 */
export async function fillSendProviders(db: Queryable): Promise<void> {
  // The text after the last @ as stored; mapped in Node by the instrumenter's own function, so both agree byte for byte.
  const rows: { raw: string }[] = await db.query(
    `SELECT DISTINCT substring(recipient_email FROM '@([^@]*)$') AS raw FROM sends WHERE recipient_email LIKE '%@%'`,
  );
  // No figure changes, and nothing follows an UPDATE of sends (1765000000000 dropped the triggers).
  for (let start = 0; start < rows.length; start += DOMAIN_CHUNK) {
    const chunk = rows.slice(start, start + DOMAIN_CHUNK).map((row) => ({ raw: row.raw, ...classifyRecipient(`@${row.raw}`) }));
    await db.query(
      `UPDATE sends s SET recipient_domain = d.domain, mailbox_provider = d.provider
       FROM unnest($1::text[], $2::text[], $3::text[]) AS d(raw, domain, provider)
       WHERE s.recipient_email LIKE '%@%' AND substring(s.recipient_email FROM '@([^@]*)$') = d.raw`,
      [chunk.map((row) => row.raw), chunk.map((row) => row.domain), chunk.map((row) => row.provider)],
    );
  }
}

export class Breakdowns1765050000000 implements MigrationInterface {
  name = 'Breakdowns1765050000000';

  async up(db: QueryRunner): Promise<void> {
    await this.sendProviders(db);
    await this.linkKeys(db);
    await this.clientCounters(db);
  }

  private async sendProviders(db: QueryRunner): Promise<void> {
    // A constant default adds the column without rewriting the table.
    await db.query(`ALTER TABLE sends ADD COLUMN mailbox_provider text NOT NULL DEFAULT 'OTHER', ADD COLUMN recipient_domain text`);
    await fillSendProviders(db);
  }

  private async linkKeys(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE send_links ADD COLUMN name text, ADD COLUMN link_key text GENERATED ALWAYS AS (coalesce(name, url)) STORED`);
    for (const table of ['send_link_stats', 'send_link_stats_deltas']) {
      await db.query(`ALTER TABLE ${table} RENAME COLUMN url TO link_key`);
      // Rows so far are all unnamed: their first URL is their key.
      await db.query(`ALTER TABLE ${table} ADD COLUMN name text, ADD COLUMN url text, ADD COLUMN first_sent_at timestamptz`);
      await db.query(`UPDATE ${table} SET url = link_key`);
    }
    // Written by code keyed the same way since 1765000000000 dropped the triggers (src/rollups/contributions.ts,
    // src/events/link-deltas.ts, folded by src/rollups/compact-organisation.ts).
  }

  private async clientCounters(db: QueryRunner): Promise<void> {
    // Per send and client (and device), its counted opens, clicks and MPP opens, kept forever like
    // the send's own counters; read joined to the range's sends (primary key probes per send).
    await db.query(`
      CREATE TABLE send_clients (
        org_id    text NOT NULL,
        send_id   uuid NOT NULL,
        client    text NOT NULL,
        device    text NOT NULL,
        opens     integer NOT NULL DEFAULT 0,
        clicks    integer NOT NULL DEFAULT 0,
        mpp_opens integer NOT NULL DEFAULT 0,
        PRIMARY KEY (org_id, send_id, client, device)
      ) WITH (fillfactor = 80)`);
    // Each raw event's client as parsed when it was written (null: written before parsing existed),
    // so a reclassified event takes its figures back from the client that had them.
    await db.query(`ALTER TABLE tracking_events ADD COLUMN client text, ADD COLUMN device text`);
  }

  /** Drops what up() added. */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE tracking_events DROP COLUMN IF EXISTS client, DROP COLUMN IF EXISTS device`);
    await db.query(`DROP TABLE IF EXISTS send_clients`);
    for (const table of ['send_link_stats', 'send_link_stats_deltas']) {
      await db.query(`ALTER TABLE ${table} DROP COLUMN name, DROP COLUMN url, DROP COLUMN first_sent_at`);
      await db.query(`ALTER TABLE ${table} RENAME COLUMN link_key TO url`);
    }
    await db.query(`ALTER TABLE send_links DROP COLUMN link_key, DROP COLUMN name`);
    await db.query(`ALTER TABLE sends DROP COLUMN mailbox_provider, DROP COLUMN recipient_domain`);
  }
}
