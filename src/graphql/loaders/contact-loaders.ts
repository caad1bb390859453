// Contacts by id and their enrollments, scoped to the viewer: the organisation
// always, and for partner, sales_rep and member only contacts they have sent
// to at the contact's own address. Naming a contact id in instrumentEmail
// with any address would otherwise be a way to read any contact.
import DataLoader from 'dataloader';
import type { App } from '../../app';
import { senderScope, type Viewer } from '../../auth/viewer';
import type { ContactStatus, EnrollmentStatus } from '../../db/entities/contact.entity';

export interface ContactRecord {
  id: string;
  email: string;
  status: ContactStatus;
  trackingConsent: boolean;
}

export interface EnrollmentRecord {
  id: string;
  contactId: string;
  campaignId: string | null;
  status: EnrollmentStatus;
}

export interface ContactLoaders {
  /** null when the contact does not exist or the viewer may not see it */
  contactById: DataLoader<string, ContactRecord | null>;
  /** oldest first; only called for contacts reached through contactById */
  enrollmentsByContact: DataLoader<string, EnrollmentRecord[]>;
}

export function createContactLoaders(app: App, viewer: Viewer | null): ContactLoaders {
  const orgId = viewer?.orgId ?? '';
  const sender = viewer ? senderScope(viewer) : null;

  const contactById = new DataLoader<string, ContactRecord | null>(async (ids) => {
    if (!viewer) return ids.map(() => null);
    // The sender check rides sends_contact_idx (org_id, contact_id, sent_at).
    // Addresses compare without case, as mailbox providers do.
    const rows: ContactRecord[] = await app.db.query(
      `SELECT c.id, c.email, c.status, c.tracking_consent AS "trackingConsent" FROM contacts c
       WHERE c.org_id = $1 AND c.id = ANY($2::text[])
         AND ($3::text IS NULL OR EXISTS (
           SELECT 1 FROM sends s WHERE s.org_id = c.org_id AND s.contact_id = c.id AND s.sender_id = $3
             AND lower(s.recipient_email) = lower(c.email)))`,
      [orgId, [...ids], sender],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  const enrollmentsByContact = new DataLoader<string, EnrollmentRecord[]>(async (contactIds) => {
    const rows: EnrollmentRecord[] = await app.db.query(
      `SELECT id, contact_id AS "contactId", campaign_id AS "campaignId", status FROM enrollments
       WHERE org_id = $1 AND contact_id = ANY($2::text[])
       ORDER BY contact_id, created_at, id`,
      [orgId, [...contactIds]],
    );
    const byContact = new Map<string, EnrollmentRecord[]>();
    for (const row of rows) {
      const list = byContact.get(row.contactId);
      if (list) list.push(row);
      else byContact.set(row.contactId, [row]);
    }
    return contactIds.map((id) => byContact.get(id) ?? []);
  });

  return { contactById, enrollmentsByContact };
}
