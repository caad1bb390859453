// The audit trail of consent changes and erasures (contract section 7), in
// contact_privacy_actions: written in the transaction of the action it
// records, read newest first. It holds ids, roles, times and counts, never an
// email address.
import type { DataSource, EntityManager } from 'typeorm';
import type { Role, Viewer } from '../auth/viewer';

export type PrivacyAction = 'CONSENT_WITHDRAWN' | 'CONSENT_GIVEN' | 'ERASED';

/** What an erasure removed. */
export interface ErasureCounts {
  /** sends whose recipient address was blanked by this erasure */
  sendsErased: number;
  /** raw events deleted */
  eventsDeleted: number;
}

export interface PrivacyActionRecord {
  id: string;
  contactId: string;
  action: PrivacyAction;
  actorId: string;
  actorRole: Role;
  at: Date;
  /** set for ERASED only */
  sendsErased: number | null;
  eventsDeleted: number | null;
}

export async function recordPrivacyAction(
  db: EntityManager,
  viewer: Viewer,
  contactId: string,
  action: PrivacyAction,
  counts: ErasureCounts | null = null,
): Promise<void> {
  await db.query(
    `INSERT INTO contact_privacy_actions (org_id, contact_id, action, actor_id, actor_role, sends_erased, events_deleted)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [viewer.orgId, contactId, action, viewer.userId, viewer.role, counts?.sendsErased ?? null, counts?.eventsDeleted ?? null],
  );
}

export interface PrivacyActionFilter {
  /** one contact's actions, or null for the whole organisation's */
  contactId: string | null;
  limit: number;
  /** the id of the last action of the previous page */
  after: string | null;
}

/**
 * Newest first (ids grow as rows are written): a backward scan of the primary
 * key (org_id, id), or of contact_privacy_actions_contact_idx for one contact.
 */
export function listPrivacyActions(db: DataSource, orgId: string, filter: PrivacyActionFilter): Promise<PrivacyActionRecord[]> {
  return db.query(
    // Ordered by a.id, the bigint: the output column id is its text.
    `SELECT a.id::text AS id, a.contact_id AS "contactId", a.action, a.actor_id AS "actorId", a.actor_role AS "actorRole",
            a.acted_at AS at, a.sends_erased AS "sendsErased", a.events_deleted AS "eventsDeleted"
     FROM contact_privacy_actions a
     WHERE a.org_id = $1 AND ($2::text IS NULL OR a.contact_id = $2) AND ($3::bigint IS NULL OR a.id < $3)
     ORDER BY a.id DESC
     LIMIT $4`,
    [orgId, filter.contactId, filter.after, filter.limit],
  );
}
