// Records one send and its attribution in one transaction: the contact first,
// locked, so a bounce, complaint, unsubscribe, consent withdrawal or erasure
// being written at the same time either lands before the check (and the send
// is refused, or recorded untracked) or waits until the send is committed;
// then campaign, template, enrollment, the send, its links, and what they
// add to the stats and link rollups (nothing else maintains those figures).
// Callers below admin create the shared records they name but never change
// existing ones (contract section 2): their send keeps what they gave it.
import type { DataSource, EntityManager } from 'typeorm';
import { classifyRecipient } from '../breakdowns/mailbox-providers';
import type { ContactStatus } from '../db/entities/contact.entity';
import { DomainError } from '../errors';
import { sendBreakdownInsert } from '../rollups/breakdown-deltas';
import { linkFiguresInsert, sendFiguresInsert } from '../rollups/contributions';
import type { RewrittenLink } from './rewriter';

export interface SendRecord {
  orgId: string;
  sendId: string;
  senderId: string;
  senderTeamId: string | null;
  contactId: string;
  recipientEmail: string;
  subject: string | null;
  campaignId: string | null;
  campaignName: string | null;
  templateId: string | null;
  templateName: string | null;
  enrollmentId: string | null;
  stepIndex: number | null;
  messageId: string | null;
  tracked: boolean;
  /** owner, admin or service: may rename campaigns and templates, re-address contacts, re-point enrollments */
  changesSharedRecords: boolean;
  /** the rewritten links, by position; empty for an untracked send */
  links: readonly RewrittenLink[];
}

/**
 * Returns whether the send was recorded tracked: a send rewritten for tracking
 * is recorded untracked, without its links, when the contact has withdrawn its
 * consent (the caller then hands back the HTML as it came).
 */
export async function recordSend(db: DataSource, send: SendRecord): Promise<{ tracked: boolean }> {
  return db.transaction(async (manager) => {
    const consenting = await upsertUnsuppressedContact(manager, send);
    const recorded = consenting ? send : { ...send, tracked: false, links: [] };
    // A name without its id has nothing to name: it is not kept.
    if (send.campaignId !== null) await upsertNamed(manager, 'campaigns', send, send.campaignId, send.campaignName);
    if (send.templateId !== null) await upsertNamed(manager, 'templates', send, send.templateId, send.templateName);
    if (send.enrollmentId !== null) await upsertEnrollment(manager, send, send.enrollmentId);
    await insertSend(manager, recorded);
    return { tracked: recorded.tracked };
  });
}

/**
 * Creates the contact or (for callers who change shared records) brings its
 * email up to date, and throws CONTACT_SUPPRESSED (rolling everything back)
 * unless it is ACTIVE, saying why only to callers who may see every contact.
 * The upsert always updates, so it always returns the row and holds its lock to commit.
 * A suppressed contact's address is left as it is even in the row version the
 * refusal rolls back, so an erased one never holds an address again, not even
 * in a dead tuple or the WAL. Returns the contact's tracking consent. Times
 * are parameters: Citus takes no now() in ON CONFLICT DO UPDATE on a
 * distributed table.
 */
async function upsertUnsuppressedContact(manager: EntityManager, send: SendRecord): Promise<boolean> {
  const [contact]: { status: ContactStatus; tracking_consent: boolean }[] = await manager.query(
    `INSERT INTO contacts (org_id, id, email) VALUES ($1, $2, $3)
     ON CONFLICT (org_id, id) DO UPDATE
       SET email = CASE WHEN contacts.status = 'ACTIVE' AND $4 THEN EXCLUDED.email ELSE contacts.email END,
           updated_at = CASE WHEN contacts.status <> 'ACTIVE' OR NOT $4 OR contacts.email = EXCLUDED.email THEN contacts.updated_at ELSE $5::timestamptz END
     RETURNING status, tracking_consent`,
    [send.orgId, send.contactId, send.recipientEmail, send.changesSharedRecords, new Date().toISOString()],
  );
  if (contact!.status !== 'ACTIVE') {
    const why = send.changesSharedRecords ? ` (${contact!.status})` : '';
    throw new DomainError('CONTACT_SUPPRESSED', `Contact "${send.contactId}" is suppressed${why}: no email may be sent to it`);
  }
  return contact!.tracking_consent;
}

/**
 * Campaigns and templates: created on first sight; a name, when given and
 * different, replaces the stored one (for callers who change shared
 * records); a null name never erases it. Update-if-renamed, and
 * insert-or-nothing (a no-op after a rename, the row exists), rather than
 * ON CONFLICT DO UPDATE: that one locks the row even when nothing changes,
 * and every send of a campaign would queue behind the others on it. Two
 * first sends racing with different names keep one of them, as any two
 * concurrent renames would. (An INSERT ... SELECT fed by the renaming CTE is
 * what Citus cannot plan; a plain INSERT ... VALUES beside it routes.)
 */
async function upsertNamed(manager: EntityManager, table: 'campaigns' | 'templates', send: SendRecord, id: string, name: string | null): Promise<void> {
  await manager.query(
    `WITH renamed AS (
       UPDATE ${table} SET name = $3, updated_at = $4::timestamptz
       WHERE org_id = $1 AND id = $2 AND $5 AND $3::text IS NOT NULL AND name IS DISTINCT FROM $3
       RETURNING 1)
     INSERT INTO ${table} (org_id, id, name) VALUES ($1, $2, $3) ON CONFLICT (org_id, id) DO NOTHING`,
    [send.orgId, id, name, new Date().toISOString(), send.changesSharedRecords],
  );
}

/**
 * The CRM owns its enrollments: the latest send of a caller who changes
 * shared records says which contact and campaign one belongs to (a null
 * campaign keeps the known one); other callers only create missing ones. The
 * status is left alone, so an enrollment a complaint ended stays UNENROLLED.
 */
async function upsertEnrollment(manager: EntityManager, send: SendRecord, enrollmentId: string): Promise<void> {
  await manager.query(
    `INSERT INTO enrollments (org_id, id, contact_id, campaign_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id, id) DO UPDATE
       SET contact_id = EXCLUDED.contact_id,
           campaign_id = COALESCE(EXCLUDED.campaign_id, enrollments.campaign_id),
           updated_at = $5::timestamptz
     WHERE $6 AND (enrollments.contact_id IS DISTINCT FROM EXCLUDED.contact_id
        OR enrollments.campaign_id IS DISTINCT FROM COALESCE(EXCLUDED.campaign_id, enrollments.campaign_id))`,
    [send.orgId, enrollmentId, send.contactId, send.campaignId, new Date().toISOString(), send.changesSharedRecords],
  );
}

/**
 * The send, all its links and what they add to the stats, breakdown and link rollups,
 * in one statement: the links' arrays unnest in step, the figures are summed
 * from the rows just inserted (rollups/contributions.ts). The recipient's
 * domain and provider are fixed now (breakdowns keep them after the address
 * is erased).
 */
async function insertSend(manager: EntityManager, send: SendRecord): Promise<void> {
  const recipient = classifyRecipient(send.recipientEmail);
  await manager.query(
    `WITH send AS (
       INSERT INTO sends (org_id, id, sender_id, sender_team_id, contact_id, recipient_email, subject,
                          campaign_id, template_id, enrollment_id, step_index, message_id, tracked, tracked_links,
                          recipient_domain, mailbox_provider)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, cardinality($14::integer[]), $17, $18)
       RETURNING *
     ), links AS (
       INSERT INTO send_links (org_id, send_id, position, url, name)
       SELECT $1::text, $2::uuid, position, url, name
       FROM unnest($14::integer[], $15::text[], $16::text[]) AS link(position, url, name)
       RETURNING *
     ), send_figures AS (${sendFiguresInsert('send s', '1')}
     ), breakdown_figures AS (${sendBreakdownInsert('send s', '1')}
     ), link_figures AS (${linkFiguresInsert('links l', 'send s', '1')})
     SELECT 1`,
    [
      send.orgId,
      send.sendId,
      send.senderId,
      send.senderTeamId,
      send.contactId,
      send.recipientEmail,
      send.subject,
      send.campaignId,
      send.templateId,
      send.enrollmentId,
      send.stepIndex,
      send.messageId,
      send.tracked,
      send.links.map((link) => link.position),
      send.links.map((link) => link.url),
      send.links.map((link) => link.name),
      recipient.domain,
      recipient.provider,
    ],
  );
}
