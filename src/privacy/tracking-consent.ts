// setContactTrackingConsent (contract section 7). The preference lives on the
// contact; nothing else changes here: the event writer reads it whenever it
// writes a batch (events/write-events.ts), so a withdrawal reaches every email
// already sent, and events still waiting to be written, at no cost to the
// pixel and the redirect. instrumentEmail reads it for new sends.
import type { DataSource } from 'typeorm';
import type { Viewer } from '../auth/viewer';
import { DomainError } from '../errors';
import type { ContactRecord } from '../graphql/loaders/contact-loaders';
import { recordPrivacyAction } from './privacy-actions';

/**
 * Sets the contact's consent and writes the audit row, in one transaction. A
 * contact the CRM has not sent to yet is created with its preference (and an
 * empty address until its first send), so that first send is already untracked.
 * An erased contact stays untracked: withdrawing again is a no-op, giving
 * consent is refused. The time comes from the proposed row (EXCLUDED): on
 * Citus the DO UPDATE runs on a worker, which refuses now().
 */
export async function setTrackingConsent(db: DataSource, viewer: Viewer, contactId: string, consent: boolean): Promise<ContactRecord> {
  return db.transaction(async (manager) => {
    const [contact]: ContactRecord[] = await manager.query(
      `INSERT INTO contacts (org_id, id, email, tracking_consent, updated_at) VALUES ($1, $2, '', $3, now())
       ON CONFLICT (org_id, id) DO UPDATE
         SET tracking_consent = CASE WHEN contacts.status = 'ERASED' THEN contacts.tracking_consent ELSE EXCLUDED.tracking_consent END,
             updated_at = CASE WHEN contacts.status <> 'ERASED' AND contacts.tracking_consent <> EXCLUDED.tracking_consent
                               THEN EXCLUDED.updated_at ELSE contacts.updated_at END
       RETURNING id, email, status, tracking_consent AS "trackingConsent"`,
      [viewer.orgId, contactId, consent],
    );
    if (contact!.status === 'ERASED' && consent) {
      throw new DomainError('CONTACT_SUPPRESSED', `Contact "${contactId}" was erased: it is never tracked again`);
    }
    await recordPrivacyAction(manager, viewer, contactId, consent ? 'CONSENT_GIVEN' : 'CONSENT_WITHDRAWN');
    return contact!;
  });
}
