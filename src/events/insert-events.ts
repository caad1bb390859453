// Inserting a batch of raw events. Pixel and redirect batches go through COPY
// (one text stream, parsed by PostgreSQL far faster than bound arrays); a
// batch that may repeat stored events (webhooks, a retry after an ambiguous
// failure, a journal adopted after a crash) goes through INSERT ... ON
// CONFLICT DO NOTHING, which tells which rows were new.
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';
import type { ClientKey } from '../breakdowns/client-keys';
import { runPrepared } from '../db/prepared';
import { timed } from '../db/statement-timing';
import type { TrackingEventInput } from './event';

const COLUMNS = 'org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp, link_position, url, user_agent, ip_hash, bot_reason, client, device';
// The organisation is $1, a scalar: on Citus the rows go to its shard.
const INSERT_IGNORING_REPEATS = {
  name: 'events_insert_ignoring_repeats_v4',
  text: `INSERT INTO tracking_events (${COLUMNS})
         SELECT $1::text, send_id, to_timestamp(occurred_at / 1000.0), id, kind, source, counted, bot, mpp, link_position, url, user_agent,
                decode(ip_hash, 'hex'), bot_reason, client, device
         FROM unnest($2::uuid[], $3::float8[], $4::uuid[], $5::text[], $6::text[],
                     $7::boolean[], $8::boolean[], $9::boolean[], $10::integer[], $11::text[], $12::text[], $13::text[],
                     $14::text[], $15::text[], $16::text[])
           AS u(send_id, occurred_at, id, kind, source, counted, bot, mpp, link_position, url, user_agent, ip_hash, bot_reason, client, device)
         ON CONFLICT DO NOTHING
         RETURNING id`,
};

/** Text PostgreSQL accepts: no NUL, and lone surrogates (which UTF-8 cannot carry) replaced. */
function clean(text: string): string {
  return text.replace(/\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\uFFFD');
}

function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return clean(value).replace(/[\\\t\n\r]/g, (char) => (char === '\\' ? '\\\\' : char === '\t' ? '\\t' : char === '\n' ? '\\n' : '\\r'));
}

function copyRow(event: TrackingEventInput, id: string, counted: boolean, client: ClientKey | null): string {
  return [
    copyText(event.orgId),
    event.sendId,
    event.occurredAt.toISOString(),
    id,
    event.kind,
    event.source,
    counted ? 't' : 'f',
    event.bot ? 't' : 'f',
    event.mpp ? 't' : 'f',
    event.linkPosition === null ? '\\N' : String(event.linkPosition),
    copyText(event.url),
    copyText(event.userAgent),
    event.ipHash ? `\\\\x${event.ipHash}` : '\\N',
    event.botReason ?? '\\N',
    client?.client ?? '\\N',
    client?.device ?? '\\N',
  ].join('\t');
}

async function copyEvents(
  client: PoolClient,
  events: readonly TrackingEventInput[],
  ids: readonly string[],
  counted: readonly boolean[],
  clients: readonly (ClientKey | null)[],
): Promise<void> {
  const rows = events.map((event, index) => copyRow(event, ids[index], counted[index], clients[index]));
  await timed({ name: 'events_copy', text: null, values: [] }, () =>
    new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom(`COPY tracking_events (${COLUMNS}) FROM STDIN`));
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(`${rows.join('\n')}\n`);
    }),
  );
}

async function insertIgnoringRepeats(
  db: EntityManager,
  orgId: string,
  events: readonly TrackingEventInput[],
  ids: readonly string[],
  counted: readonly boolean[],
  clients: readonly (ClientKey | null)[],
): Promise<boolean[]> {
  const rows = await runPrepared<{ id: string }>(db, INSERT_IGNORING_REPEATS, [
    clean(orgId),
    events.map((event) => event.sendId),
    events.map((event) => event.occurredAt.getTime()),
    ids,
    events.map((event) => event.kind),
    events.map((event) => event.source),
    counted,
    events.map((event) => event.bot),
    events.map((event) => event.mpp),
    events.map((event) => event.linkPosition),
    events.map((event) => (event.url === null ? null : clean(event.url))),
    events.map((event) => (event.userAgent === null ? null : clean(event.userAgent))),
    events.map((event) => event.ipHash),
    events.map((event) => event.botReason),
    clients.map((client) => client?.client ?? null),
    clients.map((client) => client?.device ?? null),
  ]);
  if (rows.length === ids.length) return ids.map(() => true);
  const inserted = new Set(rows.map((row) => row.id));
  return ids.map((id) => inserted.has(id));
}

export interface InsertedEvents {
  /** per event: its id (its own, or one given here) */
  ids: string[];
  /** per event: it was new (a repeat of a stored event is skipped) */
  inserted: boolean[];
}

/** Inserts the events (all of `orgId`) inside the caller's transaction, each with its client (null: not parsed). */
export async function insertEvents(
  db: EntityManager,
  orgId: string,
  events: readonly TrackingEventInput[],
  counted: readonly boolean[],
  clients: readonly (ClientKey | null)[],
  maybeRepeated: boolean,
): Promise<InsertedEvents> {
  const ids = events.map((event) => event.id ?? randomUUID());
  if (maybeRepeated || events.some((event) => event.source === 'WEBHOOK') || !db.queryRunner) {
    return { ids, inserted: await insertIgnoringRepeats(db, orgId, events, ids, counted, clients) };
  }
  // Events journaled by this process and never written before cannot be
  // stored already: COPY them, without a savepoint's round trips.
  const client = (await db.queryRunner.connect()) as PoolClient;
  await copyEvents(client, events, ids, counted, clients);
  return { ids, inserted: ids.map(() => true) };
}
