// forgetContact (contract section 7, GDPR Art. 17) in one transaction: the
// contact's raw events deleted, its address blanked on the contact and on every
// one of its sends, the contact ERASED, the audit row written. Counters and
// stats rollups are aggregates and stay: blanking an address and deleting raw
// events move no figure. Only the breakdown by recipient domain moves: the
// erased sends' figures leave their domain for the erased addresses' row.
import type { EntityManager } from 'typeorm';
import type { App } from '../app';
import type { Viewer } from '../auth/viewer';
import { forgetContactDeliveries } from '../outbound/forget-deliveries';
import { moveErasedDomains } from '../rollups/breakdown-deltas';
import { recordPrivacyAction, type ErasureCounts } from './privacy-actions';

// In key order, like the event writer and the webhooks (sends_contact_idx
// finds them): a batch holding one of them commits first and its events are
// deleted below; a batch waiting for one sees the blanked address and records
// nothing (events/write-events.ts).
const LOCK_CONTACT_SENDS = `SELECT id FROM sends WHERE org_id = $1 AND contact_id = $2 ORDER BY org_id, id FOR UPDATE`;

// An existing contact loses its address and its consent; an unknown one is
// created erased, so the CRM cannot send to it later by mistake. The update
// takes its time from the proposed row (EXCLUDED): Citus runs the update on
// a worker and refuses now() there.
const ERASE_CONTACT = `
  INSERT INTO contacts (org_id, id, email, status, status_changed_at, tracking_consent, updated_at)
  VALUES ($1, $2, '', 'ERASED', now(), false, now())
  ON CONFLICT (org_id, id) DO UPDATE
    SET email = '', status = 'ERASED', tracking_consent = false,
        status_changed_at = CASE WHEN contacts.status = 'ERASED' THEN contacts.status_changed_at ELSE EXCLUDED.status_changed_at END,
        updated_at = CASE WHEN contacts.status = 'ERASED' THEN contacts.updated_at ELSE EXCLUDED.updated_at END`;

// After the contact is locked no new send can appear for it (instrumentEmail
// locks the contact first); this statement's snapshot also sees a send that
// one committed after the first lock. The recipient's domain goes with the
// address; its mailbox provider stays (an aggregate, as the breakdowns need).
const BLANK_SENDS = `
  WITH blanked AS (
    UPDATE sends SET recipient_email = '', recipient_domain = NULL
    WHERE org_id = $1 AND contact_id = $2 AND (recipient_email <> '' OR recipient_domain IS NOT NULL) RETURNING 1)
  SELECT count(*)::int AS n FROM blanked`;

// Every partition probed by its primary key (org_id, send_id, ...).
const DELETE_EVENTS = `
  WITH deleted AS (
    DELETE FROM tracking_events
    WHERE org_id = $1 AND send_id = ANY (ARRAY(SELECT id FROM sends WHERE org_id = $1 AND contact_id = $2))
    RETURNING 1)
  SELECT count(*)::int AS n FROM deleted`;

// The machine windows of its sends' clients: per-send pseudonyms like the
// events', and nothing the figures need once the events are gone.
const DELETE_MACHINE_WINDOWS = `
  DELETE FROM machine_clients
  WHERE org_id = $1 AND send_id = ANY (ARRAY(SELECT id FROM sends WHERE org_id = $1 AND contact_id = $2))`;

async function count(db: EntityManager, sql: string, parameters: unknown[]): Promise<number> {
  const [row]: { n: number }[] = await db.query(sql, parameters);
  return row!.n;
}

/** Idempotent: forgetting an erased contact again removes nothing more (and is audited again). */
export async function forgetContact(app: App, viewer: Viewer, contactId: string): Promise<ErasureCounts> {
  const parameters = [viewer.orgId, contactId];
  const counts = await app.db.transaction(async (manager) => {
    await manager.query(LOCK_CONTACT_SENDS, parameters);
    await manager.query(ERASE_CONTACT, parameters);
    await moveErasedDomains(manager, viewer.orgId, contactId);
    const erased: ErasureCounts = {
      sendsErased: await count(manager, BLANK_SENDS, parameters),
      eventsDeleted: await count(manager, DELETE_EVENTS, parameters),
    };
    await manager.query(DELETE_MACHINE_WINDOWS, parameters);
    await forgetContactDeliveries(manager, viewer.orgId, contactId);
    await recordPrivacyAction(manager, viewer, contactId, 'ERASED', erased);
    return erased;
  });
  // Counts and ids only: the address is gone, and never logged.
  app.log.info({ orgId: viewer.orgId, contactId, ...counts }, 'contact erased');
  return counts;
}
