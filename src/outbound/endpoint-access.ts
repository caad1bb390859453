// Who manages which outbound webhook endpoints (contract section 11), and
// what an endpoint's settings may be. Pure: the shield rules and the
// resolvers both ask these questions.
import type { Viewer } from '../auth/viewer';
import type { SettingsScope } from '../secrets/signing-key-rules';
import { ENGAGEMENT_TYPES, type EngagementType } from './event-body';

/** The endpoints' owner: team '' is the organisation's own scope. */
export interface EndpointScope {
  orgId: string;
  teamId: string;
}

/**
 * The scope a caller manages when it asks for `scope`, or null: ORG for
 * owners, admins and services (the CRM); TEAM for a partner's own team.
 */
export function endpointScope(viewer: Viewer | null, scope: SettingsScope): EndpointScope | null {
  if (!viewer) return null;
  if (scope === 'ORG') {
    return viewer.role === 'owner' || viewer.role === 'admin' || viewer.role === 'service' ? { orgId: viewer.orgId, teamId: '' } : null;
  }
  if (viewer.role !== 'partner' || !viewer.teamId) return null;
  return { orgId: viewer.orgId, teamId: viewer.teamId };
}

/** The one scope a caller manages endpoints in (what an endpoint id must belong to), or null for none. */
export function managedScope(viewer: Viewer | null): EndpointScope | null {
  return endpointScope(viewer, 'ORG') ?? endpointScope(viewer, 'TEAM');
}

/** Endpoints per scope: enough for a CRM, a warehouse and a few tools; bounded so one caller cannot fan every event out without end. */
export const MAX_ENDPOINTS_PER_SCOPE = 20;

/** The event types asked for, without repeats; null (every type) when absent; a problem when empty. */
export function eventTypesOf(events: readonly EngagementType[] | null | undefined): { events: EngagementType[] | null } | { problem: string } {
  if (events === null || events === undefined) return { events: null };
  if (events.length === 0) return { problem: 'events must name at least one type, or be left out for every type' };
  const unknown = events.filter((type) => !(ENGAGEMENT_TYPES as readonly string[]).includes(type));
  if (unknown.length > 0) return { problem: `events may only hold ${ENGAGEMENT_TYPES.join(', ')}` };
  return { events: ENGAGEMENT_TYPES.filter((type) => events.includes(type)) };
}
