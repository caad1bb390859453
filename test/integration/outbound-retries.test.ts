// A receiver that fails: 500 for a minute and then 200 gets everything, each
// webhook-id seen again only after a failed attempt of it (the real retry
// schedule: 5 s, 30 s, 2 min); 410 disables its endpoint; a receiver that
// hangs holds up none of a healthy endpoint's deliveries.
import { WebhookDeliveriesDocument, WebhookEndpointsDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { eventData, jsonBody, PLATFORM_KEY, postJson } from '../support/mailgun';
import { createEndpoint } from '../support/outbound';
import { Receiver } from '../support/receiver';
import { insertSend } from '../support/sends';

let app: TestApp;
const receivers: Receiver[] = [];

beforeAll(async () => {
  app = await startTestApp({ MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY, EMAIL_TRACKING_WEBHOOK_ALLOW_PRIVATE: 'true' });
  app.app.outbound.start();
});

afterAll(async () => {
  await app?.close();
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

async function receiver(): Promise<Receiver> {
  const started = await new Receiver().start();
  receivers.push(started);
  return started;
}

/** Sends of the organisation, each unsubscribed through a signed Mailgun webhook: out at once. */
async function unsubscribe(orgId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const send = await insertSend(app.app.db, { orgId, contactId: `c-${i}` });
    expect((await postJson(app.url, jsonBody(PLATFORM_KEY, eventData('unsubscribed', { sendId: send.sendId, orgId })))).status).toBe(200);
  }
}

test('500 for a minute, then 200: all delivered, each webhook-id repeated only as a retry of a failed attempt', async () => {
  const orgId = uniqueOrg('outbound-retries');
  const failing = await receiver();
  const from = Date.now();
  failing.answer = () => (Date.now() - from < 60_000 ? 500 : 200);
  const owner = await tokenFor(orgId, 'olivia', 'owner');
  const { id } = await createEndpoint(app.url, owner, failing.url);
  await unsubscribe(orgId, 5);

  // Tried at once, after 5 s, after 30 s more, then 2 min later: about 2 min 35 s.
  const delivered = () => new Set(failing.received.filter((hook) => hook.answered === 200).map((hook) => hook.id)).size === 5;
  await failing.waitFor(delivered, 200_000, 'five deliveries');
  const byId = new Map<string, number[]>();
  for (const hook of failing.received) byId.set(hook.id, [...(byId.get(hook.id) ?? []), hook.answered ?? 0]);
  expect(byId.size).toBe(5);
  for (const answers of byId.values()) {
    // Every arrival but the last was answered 500; the last, 200.
    expect(answers.slice(0, -1).every((answer) => answer === 500)).toBe(true);
    expect(answers.at(-1)).toBe(200);
    expect(answers.length).toBeGreaterThanOrEqual(3);
  }
  const hooks = failing.received;
  for (const [webhookId] of byId) {
    const times = hooks.filter((hook) => hook.id === webhookId).map((hook) => hook.at);
    // The waits grow: about 5 s, then about 30 s.
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(4_500);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(27_000);
  }
  await waitForStatus(owner, id, 'DELIVERED', 5);
  const deliveries = (await gql(app.url, WebhookDeliveriesDocument, { endpointId: id }, owner)).data!.webhookDeliveries;
  expect(deliveries.every((delivery) => delivery.status === 'DELIVERED' && delivery.attempts === byId.get(delivery.eventId)!.length && delivery.lastStatusCode === 200)).toBe(true);
}, 240_000);

async function waitForStatus(token: string, endpointId: string, status: string, count: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const result = await gql(app.url, WebhookDeliveriesDocument, { endpointId, status: status as 'DELIVERED' }, token);
    if ((result.data?.webhookDeliveries.length ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`fewer than ${count} ${status} deliveries`);
}

test('a receiver answering 410 disables its endpoint; nothing more is sent to it', async () => {
  const orgId = uniqueOrg('outbound-gone');
  const gone = await receiver();
  gone.answer = () => 410;
  const owner = await tokenFor(orgId, 'olivia', 'owner');
  const { id } = await createEndpoint(app.url, owner, gone.url);
  await unsubscribe(orgId, 1);
  await gone.waitFor(() => gone.received.length === 1, 5_000, 'the first delivery');
  await waitForStatus(owner, id, 'FAILED', 1);
  const [endpoint] = (await gql(app.url, WebhookEndpointsDocument, {}, owner)).data!.webhookEndpoints;
  expect([endpoint.enabled, endpoint.disabledReason]).toEqual([false, 'GONE']);
  await unsubscribe(orgId, 2);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(gone.received).toHaveLength(1);
}, 30_000);

test("a receiver that never answers does not delay a healthy endpoint's deliveries", async () => {
  const orgId = uniqueOrg('outbound-slow');
  const slow = await receiver();
  slow.answer = () => 'hang';
  const healthy = await receiver();
  const owner = await tokenFor(orgId, 'olivia', 'owner');
  await createEndpoint(app.url, owner, slow.url);
  await createEndpoint(app.url, owner, healthy.url);
  const started = Date.now();
  await unsubscribe(orgId, 60);
  // More than the slow endpoint may have in flight: its queue backs up, the healthy one's does not.
  await healthy.waitFor(() => healthy.received.length === 60, 5_000 + (Date.now() - started), 'the healthy deliveries');
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(slow.received.length).toBeGreaterThan(0);
  expect(slow.received.length).toBeLessThanOrEqual(60);
}, 60_000);
