// The GraphQL documents the Email Settings page sends. None asks for the
// key: the API has no field that returns it.
export const VIEWER_QUERY = `query SettingsViewer { viewer { userId orgId role team } }`;

const SETTINGS = 'scope mailgunSigningKeySet updatedAt';

export const SETTINGS_QUERY = `query EmailSettings($scope: SettingsScope!) { emailSettings(scope: $scope) { ${SETTINGS} } }`;

export const SET_KEY_MUTATION = `mutation SetMailgunSigningKey($scope: SettingsScope!, $key: String!) {
  setMailgunSigningKey(scope: $scope, key: $key) { ${SETTINGS} }
}`;

export const CLEAR_KEY_MUTATION = `mutation ClearMailgunSigningKey($scope: SettingsScope!) {
  clearMailgunSigningKey(scope: $scope) { ${SETTINGS} }
}`;

/**
 * Which key a viewer may change, as the API decides it (secrets/signing-key-rules.ts):
 * { scope } for owners and admins (ORG) and for a partner with a team (TEAM),
 * else { refusal } saying why not.
 */
export function keyScopeFor(viewer) {
  if (viewer.role === 'owner' || viewer.role === 'admin') return { scope: 'ORG' };
  if (viewer.role === 'partner' && viewer.team) return { scope: 'TEAM' };
  if (viewer.role === 'partner') return { refusal: 'Your token names no partner team, so there is no team key for you to change. Ask for a token with your team.' };
  const role = viewer.role.replace('_', ' ');
  return {
    refusal: `You cannot change the Mailgun signing key: your role is ${role}. Owners and admins set the organisation's key, and a partner sets its own team's key.`,
  };
}
