// The per-send client counters (send_clients, contract section 13), kept
// forever like the send's own: which mail client and device made each
// counted open and click. The writer parses each counted event's user agent
// here, after the rules decided it counts (the pixel's and the redirect's
// answering path never parse), stores the client on the raw event, and moves
// the counters in one statement per batch: new events add to their client,
// reclassified ones take back from the client stored on their raw row. A
// machine's event counts nowhere and is not parsed. What the moves add to
// the client and device breakdowns is computed here from the moved sends'
// rows read just before (breakdown-moves.ts), and returned for the caller
// to insert with its own breakdown rows. The organisation is $1: one shard
// on Citus.
import type { EntityManager } from 'typeorm';
import { clientDeltas, type ClientChange, type ClientDelta } from '../breakdowns/client-deltas';
import type { ClientKey } from '../breakdowns/client-keys';
import { MailClientParser, type ClientEvidence } from '../breakdowns/mail-clients';
import { runPrepared } from '../db/prepared';
import { clientBreakdownDeltas, type BreakdownDelta, type BreakdownSend, type ClientCounterMove } from '../rollups/breakdown-moves';
import type { TrackingEventInput } from './event';
import type { FlippedEvent } from './reclassify';

/** One per process: every batch shares its cache of parsed user agents (a parse costs about half a millisecond). */
const parser = new MailClientParser();

/** One event's client, through the process's parser (and its cache); the backfill's way in. */
export function clientOf(evidence: ClientEvidence): ClientKey {
  return parser.clientOf(evidence);
}

/** Per event: its client when it counts, else null (a machine's, or a collapsed repeat). */
export function clientsOf(events: readonly TrackingEventInput[], counted: readonly boolean[]): (ClientKey | null)[] {
  return parser.clientsOf(
    events.map((event, index) =>
      counted[index] ? { userAgent: event.userAgent, mpp: event.mpp, botReason: event.botReason, ...event.clientHints } : null,
    ),
  );
}

/** The batch's effect on its sends' client counters: the events it stored and counted, and the stored ones it took back. */
export function clientChanges(
  orgId: string,
  events: readonly TrackingEventInput[],
  clients: readonly (ClientKey | null)[],
  counted: readonly boolean[],
  flipped: readonly FlippedEvent[],
): ClientChange[] {
  const changes: ClientChange[] = [];
  events.forEach((event, index) => {
    if (counted[index]) changes.push({ orgId, sendId: event.sendId, kind: event.kind, mpp: event.mpp, counted: 1, client: clients[index] ?? null });
  });
  for (const { event, client } of flipped) {
    changes.push({ orgId, sendId: event.sendId, kind: event.kind, mpp: event.mpp, counted: -1, client });
  }
  return changes;
}

// send_clients' primary key per row, in key order (clientDeltas sorts them).
const BUMP_CLIENTS = {
  name: 'events_bump_clients_v1',
  text: `INSERT INTO send_clients AS c (org_id, send_id, client, device, opens, clicks, mpp_opens)
         SELECT $1::text, d.send_id, d.client, d.device, d.opens, d.clicks, d.mpp_opens
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::integer[], $6::integer[], $7::integer[])
           AS d(send_id, client, device, opens, clicks, mpp_opens)
         ON CONFLICT (org_id, send_id, client, device) DO UPDATE SET
           opens = c.opens + excluded.opens, clicks = c.clicks + excluded.clicks, mpp_opens = c.mpp_opens + excluded.mpp_opens`,
};

// send_clients' primary key per send (its rows lead with the send), fenced
// like the writer's other probes (batch-reads.ts).
const PRIOR_CLIENTS = {
  name: 'events_prior_clients_v1',
  text: `SELECT c.send_id, c.client, c.device, c.opens, c.clicks, c.mpp_opens
         FROM unnest($2::uuid[]) AS k(send_id)
         CROSS JOIN LATERAL (
           SELECT * FROM send_clients c WHERE c.org_id = $1 AND c.send_id = k.send_id OFFSET 0) c`,
};

/**
 * The moved sends' client rows before the batch. A send with no counted
 * open or click before it has none worth reading: its client counters are
 * a share of its own (events stored before clients were parsed are credited
 * to no client), so they are all zero.
 */
async function priorClients(db: EntityManager, orgId: string, deltas: readonly ClientDelta[], sends: ReadonlyMap<string, BreakdownSend>): Promise<ClientCounterMove[]> {
  const read = [...new Set(deltas.map((delta) => delta.sendId))].filter((sendId) => {
    const send = sends.get(sendId);
    return send !== undefined && send.tracked && (send.opens > 0 || send.clicks > 0);
  });
  if (read.length === 0) return [];
  const rows = await runPrepared<{ send_id: string; client: string; device: string; opens: number; clicks: number; mpp_opens: number }>(db, PRIOR_CLIENTS, [
    orgId,
    read,
  ]);
  return rows.map((row) => ({ sendId: row.send_id, client: row.client, device: row.device, opens: row.opens, clicks: row.clicks, mppOpens: row.mpp_opens }));
}

/**
 * Moves the client counters of sends the caller locked (`sends`: each as
 * locked, its counters before the batch) and returns what the moves add to
 * the client and device breakdowns: the caller inserts them
 * (insertBreakdownDeltas), in one statement with any rows of its own.
 */
export async function bumpClientCounters(
  db: EntityManager,
  orgId: string,
  changes: readonly ClientChange[],
  sends: ReadonlyMap<string, BreakdownSend>,
): Promise<BreakdownDelta[]> {
  const deltas = clientDeltas(changes);
  if (deltas.length === 0) return [];
  const breakdowns = clientBreakdownDeltas(deltas, await priorClients(db, orgId, deltas, sends), sends);
  await runPrepared(db, BUMP_CLIENTS, [
    orgId,
    deltas.map((delta) => delta.sendId),
    deltas.map((delta) => delta.client),
    deltas.map((delta) => delta.device),
    deltas.map((delta) => delta.opens),
    deltas.map((delta) => delta.clicks),
    deltas.map((delta) => delta.mppOpens),
  ]);
  return breakdowns;
}

/** The read statement, for the test that checks its plan stays a per-key index probe on one shard. */
export const clientCounterStatements = { priorClients: PRIOR_CLIENTS } as const;
