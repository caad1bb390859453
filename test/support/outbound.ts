// Outbound webhook fixtures: endpoints created through the API, and the
// check every receiver makes, with the standardwebhooks package.
import { Webhook } from 'standardwebhooks';
import { CreateWebhookEndpointDocument, type EngagementEventType } from '../generated/graphql';
import { gql } from './graphql-client';
import type { ReceivedWebhook } from './receiver';

export interface CreatedEndpoint {
  id: string;
  secret: string;
}

export async function createEndpoint(
  baseUrl: string,
  token: string,
  url: string,
  options: { scope?: 'ORG' | 'TEAM'; events?: EngagementEventType[]; humanOnly?: boolean } = {},
): Promise<CreatedEndpoint> {
  const result = await gql(baseUrl, CreateWebhookEndpointDocument, { url, ...options }, token);
  if (!result.data) throw new Error(`createWebhookEndpoint failed: ${JSON.stringify(result.errors)}`);
  return { id: result.data.createWebhookEndpoint.endpoint.id, secret: result.data.createWebhookEndpoint.secret };
}

/** What a receiver does: verify the signature (and freshness) with the secret; throws when it does not hold. */
export function verifyWebhook(secret: string, hook: ReceivedWebhook): unknown {
  return new Webhook(secret).verify(hook.body, { 'webhook-id': hook.id, 'webhook-timestamp': hook.timestamp, 'webhook-signature': hook.signature });
}

export const verifies = (secret: string, hook: ReceivedWebhook): boolean => {
  try {
    verifyWebhook(secret, hook);
    return true;
  } catch {
    return false;
  }
};
