// The resumable backfill of clients for raw events stored before the writer
// parsed them (contract section 13, migration 1765150000000). Counted events
// written before then have no client and are in no send_clients row; while
// their raw event is retained, this parses its user agent as the writer
// would, stores the client on the raw row and adds it to the send's client
// counters, exactly once:
// - one organisation per transaction (one shard group on Citus), its sends
//   locked in the writer's order, so a reclassification waits for it and then
//   takes back from the client it stored;
// - the UPDATE only takes rows still counted and without a client, and its
//   RETURNING is what moves the counters: a row another run (or instance)
//   took first is skipped, and a crash rolls the whole batch back;
// - a cursor per organisation, in the primary key's order, so each batch
//   starts where the last one committed.
import type { DataSource, EntityManager } from 'typeorm';
import type { ClientKey } from '../breakdowns/client-keys';
import { returnedRows } from '../db/returned-rows';
import type { Logger } from '../logger';
import { insertBreakdownDeltas } from '../rollups/breakdown-deltas';
import { epochMs } from './batch-reads';
import { bumpClientCounters, clientOf } from './client-counters';

export const BACKFILL_BATCH = 500;

interface PendingEvent {
  send_id: string;
  /** as text, so microseconds (a webhook's time) survive the round trip into the UPDATE and the cursor */
  occurred_at: string;
  id: string;
  kind: 'OPEN' | 'CLICK';
  mpp: boolean;
  user_agent: string | null;
  bot_reason: string | null;
}

interface LockedRow {
  id: string;
  sent_at: number;
  sender_id: string;
  tracked: boolean;
  opens: number;
  clicks: number;
  mpp_opens: number;
}

/** Queues every organisation with counted events that have no client; run by the migration (and its test). */
export async function queueClientBackfill(db: { query(sql: string): Promise<unknown> }): Promise<void> {
  await db.query(`
    INSERT INTO client_backfill (org_id)
    SELECT DISTINCT org_id FROM tracking_events WHERE counted AND client IS NULL
    ON CONFLICT (org_id) DO NOTHING`);
}

/** The next organisation still to do, if any (an unlocked read across organisations: docs/scaling.md). */
async function nextOrganisation(db: DataSource, skip: ReadonlySet<string>): Promise<string | null> {
  const rows: { org_id: string }[] = await db.query(
    `SELECT org_id FROM client_backfill WHERE finished_at IS NULL AND NOT (org_id = ANY($1::text[])) ORDER BY org_id LIMIT 1`,
    [[...skip]],
  );
  return rows[0]?.org_id ?? null;
}

/** Parses in slices, yielding to the event loop between them, so the pixel never waits behind a batch. */
async function parseYielding(events: readonly PendingEvent[], sliceMs = 5): Promise<ClientKey[]> {
  const clients: ClientKey[] = [];
  let started = performance.now();
  for (const event of events) {
    clients.push(clientOf({ userAgent: event.user_agent, mpp: event.mpp, botReason: event.bot_reason }));
    if (performance.now() - started > sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      started = performance.now();
    }
  }
  return clients;
}

/** One batch of one organisation; 'held' when another instance holds its cursor. */
async function backfillBatch(db: DataSource, orgId: string, limit: number): Promise<'more' | 'finished' | 'held'> {
  return db.transaction(async (tx: EntityManager) => {
    const [cursor]: { after_send_id: string | null; after_occurred_at: string | null; after_id: string | null }[] = await tx.query(
      `SELECT after_send_id, after_occurred_at::text, after_id FROM client_backfill
       WHERE org_id = $1 AND finished_at IS NULL FOR UPDATE SKIP LOCKED`,
      [orgId],
    );
    if (cursor === undefined) return 'held';
    const events: PendingEvent[] = await tx.query(
      `SELECT send_id, occurred_at::text, id, kind, mpp, user_agent, bot_reason FROM tracking_events
       WHERE org_id = $1 AND counted AND client IS NULL
         AND ($2::uuid IS NULL OR (send_id, occurred_at, id) > ($2::uuid, $3::timestamptz, $4::uuid))
       ORDER BY send_id, occurred_at, id LIMIT $5`,
      [orgId, cursor.after_send_id, cursor.after_occurred_at, cursor.after_id, limit],
    );
    if (events.length === 0) {
      await tx.query(`UPDATE client_backfill SET finished_at = now() WHERE org_id = $1`, [orgId]);
      return 'finished';
    }
    const clients = await parseYielding(events);
    const sendIds = [...new Set(events.map((event) => event.send_id))].sort();
    // As the writer locks them, with what the breakdowns' share of the moves needs.
    const locked: LockedRow[] = await tx.query(
      `SELECT id, ${epochMs('sent_at')} AS sent_at, sender_id, tracked, opens, clicks, mpp_opens
       FROM sends WHERE org_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
      [orgId, sendIds],
    );
    const stored = returnedRows<{ send_id: string; kind: 'OPEN' | 'CLICK'; mpp: boolean; client: string; device: string }>(await tx.query(
      `UPDATE tracking_events e SET client = d.client, device = d.device
       FROM unnest($2::uuid[], $3::timestamptz[], $4::uuid[], $5::text[], $6::text[]) AS d(send_id, occurred_at, id, client, device)
       WHERE e.org_id = $1 AND e.send_id = d.send_id AND e.occurred_at = d.occurred_at AND e.id = d.id
         AND e.counted AND e.client IS NULL
       RETURNING e.send_id, e.kind, e.mpp, e.client, e.device`,
      [
        orgId,
        events.map((event) => event.send_id),
        events.map((event) => event.occurred_at),
        events.map((event) => event.id),
        clients.map((client) => client.client),
        clients.map((client) => client.device),
      ],
    ));
    const moved = await bumpClientCounters(
      tx,
      orgId,
      // The strings are what parseYielding produced a moment ago: ClientKey's own values.
      stored.map((row) => ({ orgId, sendId: row.send_id, kind: row.kind, mpp: row.mpp, counted: 1, client: { client: row.client, device: row.device } as ClientKey })),
      new Map(locked.map((row) => [row.id, { sentAt: row.sent_at, senderId: row.sender_id, tracked: row.tracked, opens: row.opens, clicks: row.clicks, mppOpens: row.mpp_opens }])),
    );
    await insertBreakdownDeltas(tx, orgId, moved);
    const last = events[events.length - 1];
    await tx.query(`UPDATE client_backfill SET after_send_id = $2, after_occurred_at = $3, after_id = $4 WHERE org_id = $1`, [
      orgId,
      last.send_id,
      last.occurred_at,
      last.id,
    ]);
    // A short batch may still be followed by nothing: the next call finds none and marks the organisation finished.
    return 'more';
  });
}

export interface BackfillProgress {
  /** transactions run */
  batches: number;
  /** organisations finished in this call */
  finished: number;
}

/**
 * Runs batches until nothing is left, `maxBatches` ran or `shouldStop` says so, pausing
 * `pauseMs` between batches. Organisations another instance is doing are skipped.
 */
export async function runClientBackfill(
  db: DataSource,
  options: { limit?: number; pauseMs?: number; shouldStop?: () => boolean; maxBatches?: number } = {},
): Promise<BackfillProgress> {
  const progress: BackfillProgress = { batches: 0, finished: 0 };
  const stop = () => progress.batches >= (options.maxBatches ?? Infinity) || (options.shouldStop?.() ?? false);
  const held = new Set<string>();
  for (let orgId = await nextOrganisation(db, held); orgId !== null && !stop(); orgId = await nextOrganisation(db, held)) {
    let state: 'more' | 'finished' | 'held' = 'more';
    while (state === 'more' && !stop()) {
      state = await backfillBatch(db, orgId, options.limit ?? BACKFILL_BATCH);
      progress.batches += 1;
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
    // Finished here, or held by another instance: either way not this run's to do again.
    held.add(orgId);
    if (state === 'finished') progress.finished += 1;
  }
  return progress;
}

/** Pause between batches in the server: the backfill takes a little of the database at a time. */
const BACKGROUND_PAUSE_MS = 50;

/** The server's run (src/main.ts schedules it): logs what it did, and a failure waits for the next run. */
export async function backfillClientsInBackground(db: DataSource, log: Logger, stopping: () => boolean): Promise<void> {
  try {
    const progress = await runClientBackfill(db, { pauseMs: BACKGROUND_PAUSE_MS, shouldStop: stopping });
    if (progress.finished > 0) log.info({ organisations: progress.finished, batches: progress.batches }, 'client backfill: organisations finished');
  } catch (error) {
    log.warn({ err: error }, 'client backfill failed; will resume from its cursor at the next run');
  }
}
