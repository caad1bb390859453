// The delivery and suppression effects of one organisation's verified events,
// inside its transaction: send statuses (and the `failed` figure they move),
// contact states, and the enrollments of contacts who complained. Opens and
// clicks go through the event writer. The sends are already locked, in key
// order, by the look-up. The organisation is $1 in every statement.
import type { EntityManager } from 'typeorm';
import type { ContactStatus } from '../db/entities/contact.entity';
import type { SendStatus } from '../db/entities/send.entity';
import type { MailgunEvent } from './map-mailgun-event';
import { runPrepared, type PreparedStatement } from '../db/prepared';
import { figuresOf, noFigures, rollupKeyOf, rollupKeyText } from '../rollups/figures';
import { insertSendStatsDeltas, type SendStatsDelta } from '../rollups/stats-deltas';
import { queueMailgunOutcomes } from '../outbound/outbox';
import type { WebhookSend } from './send-lookup';
import { CONTACT_STATUS_LADDER, contactStatusOf, deliveryOutcome, moreSevere, nextSendState, type DeliveryOutcome } from './status-rules';

const SET_STATUSES: PreparedStatement = {
  name: 'mailgun-set-statuses-v2',
  text: `UPDATE sends s SET status = c.status, status_changed_at = c.at
         FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS c(id, status, at)
         WHERE s.org_id = $1 AND s.id = c.id`,
};

/**
 * Only ever up the ladder: a webhook never moves a contact back down. The
 * ladder is in the text and the time comes in as a column: Citus, inserting
 * row by row into the shards, takes neither a parameter nor now() in ON
 * CONFLICT DO UPDATE on a distributed table.
 */
const LADDER = `'{${CONTACT_STATUS_LADDER.join(',')}}'::text[]`;
const RAISE_CONTACTS: PreparedStatement = {
  name: 'mailgun-raise-contacts-v3',
  text: `INSERT INTO contacts (org_id, id, email, status, status_changed_at, updated_at)
         SELECT $1::text, c.id, c.email, c.status, c.at, $6::timestamptz
         FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS c(id, email, status, at)
         ON CONFLICT (org_id, id) DO UPDATE
           SET status = EXCLUDED.status, status_changed_at = EXCLUDED.status_changed_at, updated_at = EXCLUDED.updated_at
           WHERE array_position(${LADDER}, contacts.status) < array_position(${LADDER}, EXCLUDED.status)`,
};

/** enrollments_contact_idx (org_id, contact_id). */
const UNENROLL: PreparedStatement = {
  name: 'mailgun-unenroll-v2',
  text: `UPDATE enrollments e SET status = 'UNENROLLED', updated_at = now()
         WHERE e.org_id = $1 AND e.contact_id = ANY($2::text[]) AND e.status = 'ACTIVE'`,
};

export interface VerifiedEvent {
  event: MailgunEvent;
  send: WebhookSend;
}

/**
 * What status changes move in the rollups: `failed` counts tracked sends
 * whose status is FAILED, so a send entering or leaving it moves its group's.
 */
function failedDeltas(changes: readonly { send: WebhookSend; status: SendStatus }[]): SendStatsDelta[] {
  const groups = new Map<string, SendStatsDelta>();
  // Counters aside: only `failed` depends on the status.
  const failedWith = (send: WebhookSend, status: SendStatus) =>
    figuresOf({ tracked: send.tracked, failed: status === 'FAILED', opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0 }).failed;
  for (const { send, status } of changes) {
    const moved = failedWith(send, status) - failedWith(send, send.status);
    if (moved === 0) continue;
    const key = rollupKeyOf({ ...send, sentAt: send.sentAt.getTime() });
    const text = rollupKeyText(key);
    const group = groups.get(text) ?? { ...key, ...noFigures(), lastSentAt: null };
    group.failed += moved;
    groups.set(text, group);
  }
  return [...groups.values()].filter((group) => group.failed !== 0);
}

/** The sends arrive locked, with their status, from the look-up (send-lookup.ts). */
async function updateSendStatuses(db: EntityManager, orgId: string, verified: readonly VerifiedEvent[]): Promise<void> {
  const bySend = new Map<string, { send: WebhookSend; outcomes: DeliveryOutcome[] }>();
  for (const { event, send } of verified) {
    const outcome = deliveryOutcome(event);
    if (!outcome) continue;
    const entry = bySend.get(send.sendId) ?? { send, outcomes: [] };
    entry.outcomes.push(outcome);
    bySend.set(send.sendId, entry);
  }
  const changes: { send: WebhookSend; status: SendStatus; at: Date }[] = [];
  for (const { send, outcomes } of bySend.values()) {
    const current = { status: send.status, changedAt: send.statusChangedAt };
    const next = nextSendState(current, outcomes);
    if (next !== current && next.changedAt) changes.push({ send, status: next.status, at: next.changedAt });
  }
  if (changes.length === 0) return;
  await runPrepared(db, SET_STATUSES, [orgId, changes.map((c) => c.send.sendId), changes.map((c) => c.status), changes.map((c) => c.at.toISOString())]);
  await insertSendStatsDeltas(db, orgId, failedDeltas(changes));
}

/**
 * Moves contacts up the suppression ladder, never down. A contact the CRM
 * never registered here is created from the send, so its suppression holds.
 */
async function updateContacts(db: EntityManager, orgId: string, verified: readonly VerifiedEvent[]): Promise<void> {
  const wanted = new Map<string, { send: WebhookSend; status: ContactStatus; at: Date }>();
  for (const { event, send } of verified) {
    const status = contactStatusOf(event);
    if (!status) continue;
    const previous = wanted.get(send.contactId);
    const stronger = previous ? moreSevere(previous.status, status) : status;
    wanted.set(send.contactId, { send, status: stronger, at: previous && previous.status === stronger ? previous.at : event.occurredAt });
  }
  if (wanted.size === 0) return;
  const changes = [...wanted.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, change]) => change);
  await runPrepared(db, RAISE_CONTACTS, [
    orgId,
    changes.map((c) => c.send.contactId),
    changes.map((c) => c.send.recipientEmail),
    changes.map((c) => c.status),
    changes.map((c) => c.at.toISOString()),
    new Date().toISOString(),
  ]);
}

/** A complaint ends every drip enrollment of the contact. */
async function unenrollComplainers(db: EntityManager, orgId: string, verified: readonly VerifiedEvent[]): Promise<void> {
  const contacts = [...new Set(verified.filter(({ event }) => event.type === 'complained').map(({ send }) => send.contactId))].sort();
  if (contacts.length === 0) return;
  await runPrepared(db, UNENROLL, [orgId, contacts]);
}

export async function applyDeliveryEffects(db: EntityManager, orgId: string, verified: readonly VerifiedEvent[]): Promise<void> {
  if (verified.length === 0) return;
  await updateSendStatuses(db, orgId, verified);
  await updateContacts(db, orgId, verified);
  await unenrollComplainers(db, orgId, verified);
  await queueMailgunOutcomes(db, verified);
}
