// The live fan-out's one step in the event writer's transaction: for each
// organisation of the batch that someone streams (on any instance), the keys
// of what the batch stored and reclassified go into one live_batches row and
// a NOTIFY names it. PostgreSQL sends the NOTIFY on commit only, so a stream
// never hears of a batch that rolled back. An organisation nobody streams
// costs one index probe per batch: no row, no NOTIFY, nothing per event.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import type { WrittenBatch, WrittenEvent } from '../events/written-batch';

/** The one channel every instance's listener LISTENs on; payload {"o": orgId, "b": batchId}. */
export const ACTIVITY_CHANNEL = 'tracking_activity';

export interface BatchNotice {
  orgId: string;
  batchId: string;
}

// live_streams' primary key, led by org_id: a few rows per watched organisation.
const WATCHED_ORGS = {
  name: 'live_watched_orgs_v1',
  text: `SELECT DISTINCT org_id FROM live_streams WHERE org_id = ANY($1::text[]) AND expires_at > now()`,
};

const INSERT_BATCH = {
  name: 'live_insert_batch_v1',
  // written_at: the clock now, at the transaction's end, not its start (now()): the benchmark times arrivals from it.
  text: `INSERT INTO live_batches (org_id, id, written_at, send_ids, occurred_ms, event_ids, reclassified)
         VALUES ($1, $2, clock_timestamp(), $3::uuid[], $4::float8[], $5::uuid[], $6::boolean[])`,
};

const NOTIFY = { name: 'live_notify_v1', text: `SELECT pg_notify($1, $2)` };

interface Keyed {
  event: WrittenEvent;
  reclassified: boolean;
}

function byOrganisation(written: WrittenBatch): Map<string, Keyed[]> {
  const groups = new Map<string, Keyed[]>();
  const add = (event: WrittenEvent, reclassified: boolean) => {
    const group = groups.get(event.orgId);
    if (group) group.push({ event, reclassified });
    else groups.set(event.orgId, [{ event, reclassified }]);
  };
  for (const event of written.stored) add(event, false);
  for (const event of written.reclassified) add(event, true);
  return groups;
}

export function encodeNotice(notice: BatchNotice): string {
  return JSON.stringify({ o: notice.orgId, b: notice.batchId });
}

/** The notice in a NOTIFY payload, or null for anything else. */
export function decodeNotice(payload: string | undefined): BatchNotice | null {
  if (!payload) return null;
  try {
    const parsed = JSON.parse(payload) as { o?: unknown; b?: unknown };
    return typeof parsed.o === 'string' && typeof parsed.b === 'string' ? { orgId: parsed.o, batchId: parsed.b } : null;
  } catch {
    return null;
  }
}

/** Runs inside the writer's transaction, after the figures; `written` is what the transaction stored and reclassified. */
export async function notifyActivity(db: EntityManager, written: WrittenBatch): Promise<void> {
  const groups = byOrganisation(written);
  if (groups.size === 0) return;
  const watched = await runPrepared<{ org_id: string }>(db, WATCHED_ORGS, [[...groups.keys()]]);
  for (const { org_id: orgId } of watched) {
    const keyed = groups.get(orgId)!;
    const batchId = randomUUID();
    await runPrepared(db, INSERT_BATCH, [
      orgId,
      batchId,
      keyed.map(({ event }) => event.sendId),
      keyed.map(({ event }) => event.occurredAt),
      keyed.map(({ event }) => event.id),
      keyed.map(({ reclassified }) => reclassified),
    ]);
    await runPrepared(db, NOTIFY, [ACTIVITY_CHANNEL, encodeNotice({ orgId, batchId })]);
  }
}
