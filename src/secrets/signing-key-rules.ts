// Who may manage which Mailgun signing key, and what a key may look like.
// Pure: the GraphQL permissions and resolvers both ask these questions.
import type { Viewer } from '../auth/viewer';

export type SettingsScope = 'ORG' | 'TEAM';

/** An email_settings row: team '' is the organisation's own row. */
export interface SettingsOwner {
  orgId: string;
  teamId: string;
}

/**
 * The row a caller may read and change in a scope, or null when not allowed:
 * ORG for owners and admins; TEAM for a partner's own team (its `team` claim).
 */
export function settingsOwner(viewer: Viewer | null, scope: SettingsScope): SettingsOwner | null {
  if (!viewer) return null;
  if (scope === 'ORG') {
    return viewer.role === 'owner' || viewer.role === 'admin' ? { orgId: viewer.orgId, teamId: '' } : null;
  }
  if (viewer.role !== 'partner' || !viewer.teamId) return null;
  return { orgId: viewer.orgId, teamId: viewer.teamId };
}

const KEY_PATTERN = /^[\x21-\x7e]{8,256}$/;

/**
 * The key as it will be used, or null when it cannot be a signing key:
 * surrounding whitespace (a pasted newline) is dropped; what remains must be
 * 8 to 256 printable ASCII characters without spaces. Mailgun's keys are
 * hex or "key-..." strings well inside that.
 */
export function normalizeSigningKey(raw: string): string | null {
  const key = raw.trim();
  return KEY_PATTERN.test(key) ? key : null;
}

export const SIGNING_KEY_RULE = 'key must be 8 to 256 printable ASCII characters without spaces';
