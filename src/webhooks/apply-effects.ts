// The delivery and suppression effects of a batch of verified events, inside
// its transaction: send statuses, contact states, and the enrollments of
// contacts who complained. Opens and clicks go through the event writer.
// The batch's sends are already locked, in key order, by the look-up.
import type { EntityManager } from 'typeorm';
import type { ContactStatus } from '../db/entities/contact.entity';
import type { SendStatus } from '../db/entities/send.entity';
import { sendKey } from '../events/event';
import type { MailgunEvent } from './map-mailgun-event';
import { runPrepared, type PreparedStatement } from '../db/prepared';
import { queueMailgunOutcomes } from '../outbound/outbox';
import type { WebhookSend } from './send-lookup';
import { CONTACT_STATUS_LADDER, contactStatusOf, deliveryOutcome, moreSevere, nextSendState, type DeliveryOutcome } from './status-rules';

const SET_STATUSES: PreparedStatement = {
  name: 'mailgun-set-statuses-v1',
  text: `UPDATE sends s SET status = c.status, status_changed_at = c.at
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[]) AS c(org_id, id, status, at)
         WHERE s.org_id = c.org_id AND s.id = c.id`,
};

/** Only ever up the ladder ($6): a webhook never moves a contact back down. */
const RAISE_CONTACTS: PreparedStatement = {
  name: 'mailgun-raise-contacts-v1',
  text: `INSERT INTO contacts (org_id, id, email, status, status_changed_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
         ON CONFLICT (org_id, id) DO UPDATE
           SET status = EXCLUDED.status, status_changed_at = EXCLUDED.status_changed_at, updated_at = now()
           WHERE array_position($6::text[], contacts.status) < array_position($6::text[], EXCLUDED.status)`,
};

/** enrollments_contact_idx (org_id, contact_id). */
const UNENROLL: PreparedStatement = {
  name: 'mailgun-unenroll-v1',
  text: `UPDATE enrollments e SET status = 'UNENROLLED', updated_at = now()
         FROM unnest($1::text[], $2::text[]) AS c(org_id, contact_id)
         WHERE e.org_id = c.org_id AND e.contact_id = c.contact_id AND e.status = 'ACTIVE'`,
};

export interface VerifiedEvent {
  event: MailgunEvent;
  send: WebhookSend;
}

/** The sends arrive locked, with their status, from the look-up (send-lookup.ts). */
async function updateSendStatuses(db: EntityManager, verified: readonly VerifiedEvent[]): Promise<void> {
  const bySend = new Map<string, { send: WebhookSend; outcomes: DeliveryOutcome[] }>();
  for (const { event, send } of verified) {
    const outcome = deliveryOutcome(event);
    if (!outcome) continue;
    const key = sendKey(send.orgId, send.sendId);
    const entry = bySend.get(key) ?? { send, outcomes: [] };
    entry.outcomes.push(outcome);
    bySend.set(key, entry);
  }
  const changes: { send: WebhookSend; status: SendStatus; at: Date }[] = [];
  for (const { send, outcomes } of bySend.values()) {
    const current = { status: send.status, changedAt: send.statusChangedAt };
    const next = nextSendState(current, outcomes);
    if (next !== current && next.changedAt) changes.push({ send, status: next.status, at: next.changedAt });
  }
  if (changes.length === 0) return;
  await runPrepared(db, SET_STATUSES, [changes.map((c) => c.send.orgId), changes.map((c) => c.send.sendId), changes.map((c) => c.status), changes.map((c) => c.at.toISOString())],
  );
}

/**
 * Moves contacts up the suppression ladder, never down. A contact the CRM
 * never registered here is created from the send, so its suppression holds.
 */
async function updateContacts(db: EntityManager, verified: readonly VerifiedEvent[]): Promise<void> {
  const wanted = new Map<string, { send: WebhookSend; status: ContactStatus; at: Date }>();
  for (const { event, send } of verified) {
    const status = contactStatusOf(event);
    if (!status) continue;
    const key = `${send.orgId}\n${send.contactId}`;
    const previous = wanted.get(key);
    const stronger = previous ? moreSevere(previous.status, status) : status;
    wanted.set(key, { send, status: stronger, at: previous && previous.status === stronger ? previous.at : event.occurredAt });
  }
  if (wanted.size === 0) return;
  const changes = [...wanted.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, change]) => change);
  await runPrepared(db, RAISE_CONTACTS, [
      changes.map((c) => c.send.orgId),
      changes.map((c) => c.send.contactId),
      changes.map((c) => c.send.recipientEmail),
      changes.map((c) => c.status),
      changes.map((c) => c.at.toISOString()),
      CONTACT_STATUS_LADDER,
    ],
  );
}

/** A complaint ends every drip enrollment of the contact. */
async function unenrollComplainers(db: EntityManager, verified: readonly VerifiedEvent[]): Promise<void> {
  const contacts = [...new Set(verified.filter(({ event }) => event.type === 'complained').map(({ send }) => `${send.orgId}\n${send.contactId}`))].sort();
  if (contacts.length === 0) return;
  await runPrepared(db, UNENROLL, [contacts.map((key) => key.slice(0, key.indexOf('\n'))), contacts.map((key) => key.slice(key.indexOf('\n') + 1))],
  );
}

export async function applyDeliveryEffects(db: EntityManager, verified: readonly VerifiedEvent[]): Promise<void> {
  if (verified.length === 0) return;
  await updateSendStatuses(db, verified);
  await updateContacts(db, verified);
  await unenrollComplainers(db, verified);
  await queueMailgunOutcomes(db, verified);
}
