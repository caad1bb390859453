// The stored side of the machine and cross-source rules: stored events that
// stop being counted, the machine windows, and which clients no longer count
// as a link's clicker once their clicks were taken back. Each runs only when
// a batch changed something (a machine found, a webhook event taken back).
// The organisation is $1 and filters every table: one shard on Citus.
import type { EntityManager } from 'typeorm';
import type { ClientKey, Device, MailClient } from '../breakdowns/client-keys';
import { runPrepared } from '../db/prepared';
import { fromEpochMs } from './batch-reads';
import type { Flip } from './decide-batch';
import { clickerKey } from './link-deltas';
import type { MachineWindow } from './machine-rules';

// Primary key probes; `AND e.counted` makes a flip happen once, whoever asks.
const FLIP_EVENTS = {
  name: 'events_flip_v4',
  text: `UPDATE tracking_events e SET counted = false, bot = k.bot, bot_reason = k.reason
         FROM unnest($2::uuid[], $3::float8[], $4::uuid[], $5::boolean[], $6::text[]) AS k(send_id, occurred_at, id, bot, reason)
         WHERE e.org_id = $1 AND e.send_id = k.send_id AND e.occurred_at = ${fromEpochMs('k.occurred_at')} AND e.id = k.id
           AND e.counted
         RETURNING e.id, e.client, e.device`,
};

/** A flip that took effect, with the client its event was credited to (null: stored before clients were parsed). */
export interface FlippedEvent extends Flip {
  client: ClientKey | null;
}

/** Stops counting the stored events; returns the flips that took effect. */
export async function flipStoredEvents(db: EntityManager, orgId: string, flips: readonly Flip[]): Promise<FlippedEvent[]> {
  if (flips.length === 0) return [];
  const rows = await runPrepared<{ id: string; client: MailClient | null; device: Device | null }>(db, FLIP_EVENTS, [
    orgId,
    flips.map((flip) => flip.event.sendId),
    flips.map((flip) => flip.event.at),
    flips.map((flip) => flip.event.id),
    flips.map((flip) => flip.bot),
    flips.map((flip) => flip.botReason),
  ]);
  const done = new Map(rows.map((row) => [row.id, row.client === null || row.device === null ? null : { client: row.client, device: row.device }]));
  return flips.filter((flip) => done.has(flip.event.id)).map((flip) => ({ ...flip, client: done.get(flip.event.id) ?? null }));
}

const UPSERT_WINDOWS = {
  name: 'events_machine_windows_v3',
  text: `INSERT INTO machine_clients AS m (org_id, send_id, ip_hash, reason, first_at, last_at)
         SELECT $1::text, send_id, decode(ip_hash, 'hex'), reason, ${fromEpochMs('first_at')}, ${fromEpochMs('last_at')}
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::float8[], $6::float8[]) AS u(send_id, ip_hash, reason, first_at, last_at)
         ON CONFLICT (org_id, send_id, ip_hash) DO UPDATE SET
           first_at = LEAST(m.first_at, excluded.first_at),
           last_at = GREATEST(m.last_at, excluded.last_at)`,
};

export async function storeMachineWindows(db: EntityManager, orgId: string, windows: readonly MachineWindow[]): Promise<void> {
  if (windows.length === 0) return;
  await runPrepared(db, UPSERT_WINDOWS, [
    orgId,
    windows.map((w) => w.sendId),
    windows.map((w) => w.ipHash),
    windows.map((w) => w.reason),
    windows.map((w) => w.firstAt),
    windows.map((w) => w.lastAt),
  ]);
}

// tracking_events_client_idx, after the flips and the batch's own inserts.
const LOST_CLICKERS = {
  name: 'events_lost_clickers_v3',
  text: `SELECT k.send_id, k.position, k.ip_hash
         FROM unnest($2::uuid[], $3::integer[], $4::text[]) AS k(send_id, position, ip_hash)
         WHERE NOT EXISTS (
           SELECT FROM tracking_events e
           WHERE e.org_id = $1 AND e.send_id = k.send_id AND e.ip_hash = decode(k.ip_hash, 'hex')
             AND e.counted AND e.kind = 'CLICK' AND e.link_position = k.position)`,
};

/** Of the clients whose clicks were taken back, those with no counted click left on that link (clickerKey). */
export async function lostClickers(db: EntityManager, orgId: string, flipped: readonly Flip[]): Promise<Set<string>> {
  const clicks = flipped.filter((flip) => flip.event.kind === 'CLICK' && flip.event.linkPosition !== null && flip.event.ipHash);
  if (clicks.length === 0) return new Set();
  const rows = await runPrepared<{ send_id: string; position: number; ip_hash: string }>(db, LOST_CLICKERS, [
    orgId,
    clicks.map((flip) => flip.event.sendId),
    clicks.map((flip) => flip.event.linkPosition),
    clicks.map((flip) => flip.event.ipHash),
  ]);
  return new Set(rows.map((row) => clickerKey(row.send_id, row.position, row.ip_hash)));
}
