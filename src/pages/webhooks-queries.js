// The GraphQL documents of the Settings page's outbound webhooks panel, and
// which endpoints a viewer manages (as src/outbound/endpoint-access.ts decides).
const ENDPOINT = 'id scope url events humanOnly enabled disabledReason createdAt';
const DELIVERY = 'id eventId type status attempts lastStatusCode lastError lastAttemptAt nextAttemptAt createdAt';

export const ENGAGEMENT_TYPES = ['OPENED', 'CLICKED', 'BOUNCED', 'COMPLAINED', 'UNSUBSCRIBED', 'RECLASSIFIED'];

export const ENDPOINTS_QUERY = `query WebhookEndpoints($scope: SettingsScope!) { webhookEndpoints(scope: $scope) { ${ENDPOINT} } }`;

export const DELIVERIES_QUERY = `query WebhookDeliveries($endpointId: ID!) { webhookDeliveries(endpointId: $endpointId, limit: 20) { ${DELIVERY} } }`;

export const CREATE_MUTATION = `mutation CreateWebhookEndpoint($scope: SettingsScope!, $url: String!, $events: [EngagementEventType!], $humanOnly: Boolean) {
  createWebhookEndpoint(scope: $scope, url: $url, events: $events, humanOnly: $humanOnly) { endpoint { ${ENDPOINT} } secret }
}`;

export const UPDATE_MUTATION = `mutation UpdateWebhookEndpoint($id: ID!, $url: String, $events: [EngagementEventType!], $humanOnly: Boolean, $enabled: Boolean) {
  updateWebhookEndpoint(id: $id, url: $url, events: $events, humanOnly: $humanOnly, enabled: $enabled) { ${ENDPOINT} }
}`;

export const DELETE_MUTATION = `mutation DeleteWebhookEndpoint($id: ID!) { deleteWebhookEndpoint(id: $id) }`;

export const TEST_MUTATION = `mutation SendTestWebhook($id: ID!) { sendTestWebhook(id: $id) { ${DELIVERY} } }`;

export const REDELIVER_MUTATION = `mutation RedeliverWebhook($deliveryId: ID!) { redeliverWebhook(deliveryId: $deliveryId) { ${DELIVERY} } }`;

/**
 * { scope } for owners, admins and services (ORG) and for a partner with a
 * team (TEAM), else { refusal } saying why not.
 */
export function endpointScopeFor(viewer) {
  if (viewer.role === 'owner' || viewer.role === 'admin' || viewer.role === 'service') return { scope: 'ORG' };
  if (viewer.role === 'partner' && viewer.team) return { scope: 'TEAM' };
  if (viewer.role === 'partner') return { refusal: 'Your token names no partner team, so there are no team webhook endpoints for you to manage.' };
  return { refusal: `You cannot manage webhook endpoints: your role is ${viewer.role.replace('_', ' ')}. Owners, admins and services manage the organisation's, a partner its own team's.` };
}
