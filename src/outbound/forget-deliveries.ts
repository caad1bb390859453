// Outbound webhooks under erasure and retention (contract section 7). An
// erased contact's deliveries go, pending or done (a delivered body may hold
// a personal link), with what is still queued for its sends; delivery records
// older than the raw events' retention go like the events.
import type { EntityManager } from 'typeorm';

// webhook_deliveries_contact_idx; the organisation's outbox rows (webhook_outbox_due_idx), for the contact's sends (sends_contact_idx).
const FORGET_CONTACT = [
  `DELETE FROM webhook_deliveries WHERE org_id = $1 AND contact_id = $2`,
  `DELETE FROM webhook_outbox WHERE org_id = $1 AND send_id = ANY (ARRAY(SELECT id FROM sends WHERE org_id = $1 AND contact_id = $2))`,
];

export async function forgetContactDeliveries(db: EntityManager, orgId: string, contactId: string): Promise<void> {
  for (const statement of FORGET_CONTACT) await db.query(statement, [orgId, contactId]);
}

/** Across organisations, like the raw events' pruning it runs with; returns the delivery records deleted. */
export async function pruneDeliveries(db: EntityManager, cutoff: Date): Promise<number> {
  const [, deleted] = (await db.query(`DELETE FROM webhook_deliveries WHERE created_at < $1`, [cutoff.toISOString()])) as [unknown, number];
  await db.query(`DELETE FROM webhook_outbox WHERE occurred_at < $1`, [cutoff.toISOString()]);
  return Number(deleted);
}
