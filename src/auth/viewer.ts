// Who is calling: the claims of a verified bearer token, and what they may see.
export const ROLES = ['owner', 'admin', 'partner', 'sales_rep', 'member', 'service'] as const;
export type Role = (typeof ROLES)[number];

export interface Viewer {
  readonly userId: string;
  readonly orgId: string;
  readonly role: Role;
  /** the partner team a partner or sales rep belongs to */
  readonly teamId: string | null;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** owner, admin and service see every send of the organisation; the others only their own. */
export function seesWholeOrganisation(viewer: Viewer): boolean {
  return viewer.role === 'owner' || viewer.role === 'admin' || viewer.role === 'service';
}

/**
 * Campaigns, templates, contacts and enrollments belong to the whole
 * organisation: only owner, admin and service rename, re-address or
 * re-point them (contract section 2). The others create what is missing.
 */
export function changesOrganisationRecords(viewer: Viewer): boolean {
  return viewer.role === 'owner' || viewer.role === 'admin' || viewer.role === 'service';
}

/** The sender filter every stats query applies: null means the whole organisation. */
export function senderScope(viewer: Viewer): string | null {
  return seesWholeOrganisation(viewer) ? null : viewer.userId;
}

/** The audit trail of consent changes and erasures is for the organisation's people in charge, not its services. */
export function readsPrivacyAudit(viewer: Viewer): boolean {
  return viewer.role === 'owner' || viewer.role === 'admin';
}
