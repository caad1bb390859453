// Outbound webhook endpoints through the API, against a real receiver on
// 127.0.0.1: the secret shown once and verified by the standardwebhooks
// package as receivers do, rotation, test events, roles and scopes, and
// bounces, complaints and unsubscribes out within 5 s of their webhook.
import { randomUUID } from 'node:crypto';
import {
  DeleteWebhookEndpointDocument,
  RedeliverWebhookDocument,
  RotateWebhookSecretDocument,
  SendTestWebhookDocument,
  UpdateWebhookEndpointDocument,
  WebhookDeliveriesDocument,
  WebhookEndpointsDocument,
} from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql } from '../support/graphql-client';
import { eventData, jsonBody, PLATFORM_KEY, postJson } from '../support/mailgun';
import { createEndpoint, verifies, verifyWebhook } from '../support/outbound';
import { Receiver } from '../support/receiver';
import { insertSend } from '../support/sends';

let app: TestApp;
let receiver: Receiver;

beforeAll(async () => {
  app = await startTestApp({ MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY, EMAIL_TRACKING_WEBHOOK_ALLOW_PRIVATE: 'true' });
  app.app.outbound.start();
  receiver = await new Receiver().start();
});

afterAll(async () => {
  await app?.close();
  await receiver?.close();
});

const hooksFor = (endpointId: string) => receiver.received.filter((hook) => hook.json.data.endpointId === endpointId);

test('a new endpoint shows its secret once; a test event arrives signed with it, and verifies with no other', async () => {
  const orgId = uniqueOrg('outbound-api');
  const owner = await tokenFor(orgId, 'olivia', 'owner');
  const { id, secret } = await createEndpoint(app.url, owner, receiver.url);
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
  expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);

  const listed = await gql(app.url, WebhookEndpointsDocument, {}, owner);
  expect(listed.data?.webhookEndpoints).toEqual([
    expect.objectContaining({ id, scope: 'ORG', url: receiver.url, humanOnly: false, enabled: true, events: ['OPENED', 'CLICKED', 'BOUNCED', 'COMPLAINED', 'UNSUBSCRIBED', 'RECLASSIFIED'] }),
  ]);
  expect(JSON.stringify(listed)).not.toContain(secret.slice(6));
  const [row] = await app.app.db.query(`SELECT encode(secret_enc, 'escape') AS sealed FROM webhook_endpoints WHERE org_id = $1`, [orgId]);
  expect(row.sealed).not.toContain(secret.slice(6));

  const test = await gql(app.url, SendTestWebhookDocument, { id }, owner);
  expect(test.data?.sendTestWebhook).toEqual(expect.objectContaining({ type: 'TEST', status: 'PENDING', attempts: 0 }));
  await receiver.waitFor(() => hooksFor(id).length === 1, 5_000, 'the test event');
  const [hook] = hooksFor(id);
  expect(hook.contentType).toBe('application/json');
  expect(hook.json).toEqual({ type: 'email.test', timestamp: expect.any(String), data: { endpointId: id } });
  expect(verifyWebhook(secret, hook)).toEqual(hook.json);
  expect(Math.abs(Number(hook.timestamp) - Date.now() / 1000)).toBeLessThan(10);
  expect(verifies(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, hook)).toBe(false);
  // A byte changed in transit fails too.
  expect(verifies(secret, { ...hook, body: hook.body.replace(id, randomUUID()) })).toBe(false);

  for (let i = 0; i < 50; i++) {
    const deliveries = await gql(app.url, WebhookDeliveriesDocument, { endpointId: id }, owner);
    if (deliveries.data?.webhookDeliveries[0]?.status === 'DELIVERED') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const deliveries = await gql(app.url, WebhookDeliveriesDocument, { endpointId: id }, owner);
  expect(deliveries.data?.webhookDeliveries).toEqual([
    expect.objectContaining({ eventId: hook.id, type: 'TEST', status: 'DELIVERED', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null }),
  ]);
});

test('after a rotation both secrets sign for a day, then the new one alone would; a redelivery keeps the webhook-id', async () => {
  const orgId = uniqueOrg('outbound-api');
  const admin = await tokenFor(orgId, 'adam', 'admin');
  const { id, secret: old } = await createEndpoint(app.url, admin, receiver.url);
  const rotated = await gql(app.url, RotateWebhookSecretDocument, { id }, admin);
  const secret = rotated.data!.rotateWebhookSecret.secret;
  expect(secret).not.toBe(old);
  await gql(app.url, SendTestWebhookDocument, { id }, admin);
  await receiver.waitFor(() => hooksFor(id).length === 1, 5_000, 'the test event');
  const [hook] = hooksFor(id);
  expect(hook.signature.split(' ')).toHaveLength(2);
  expect([verifies(secret, hook), verifies(old, hook)]).toEqual([true, true]);

  const [delivery] = (await gql(app.url, WebhookDeliveriesDocument, { endpointId: id }, admin)).data!.webhookDeliveries;
  const again = await gql(app.url, RedeliverWebhookDocument, { deliveryId: delivery.id }, admin);
  expect(again.data?.redeliverWebhook.status).toBe('PENDING');
  await receiver.waitFor(() => hooksFor(id).length === 2, 5_000, 'the redelivery');
  expect(hooksFor(id)[1].id).toBe(hook.id);
  expect(hooksFor(id)[1].body).toBe(hook.body);
});

test('roles: a sales rep and a member are FORBIDDEN; a partner manages only its team; ids of other scopes and organisations are not found', async () => {
  const orgId = uniqueOrg('outbound-api');
  const owner = await tokenFor(orgId, 'olivia', 'owner');
  const service = await tokenFor(orgId, 'crm', 'service');
  const partner = await tokenFor(orgId, 'pierre', 'partner', 'team-north');
  const rep = await tokenFor(orgId, 'sam', 'sales_rep', 'team-north');
  const member = await tokenFor(orgId, 'mei', 'member');
  const stranger = await tokenFor(uniqueOrg('outbound-other'), 'eve', 'owner');

  const orgEndpoint = await createEndpoint(app.url, service, receiver.url);
  const teamEndpoint = await createEndpoint(app.url, partner, receiver.url, { scope: 'TEAM' });

  for (const token of [rep, member]) {
    expect(errorCodes(await gql(app.url, WebhookEndpointsDocument, {}, token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(app.url, WebhookEndpointsDocument, { scope: 'TEAM' }, token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(app.url, SendTestWebhookDocument, { id: orgEndpoint.id }, token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(app.url, DeleteWebhookEndpointDocument, { id: teamEndpoint.id }, token))).toEqual(['FORBIDDEN']);
  }
  expect(errorCodes(await gql(app.url, WebhookEndpointsDocument, {}, partner))).toEqual(['FORBIDDEN']);
  expect(errorCodes(await gql(app.url, WebhookEndpointsDocument, { scope: 'TEAM' }, owner))).toEqual(['FORBIDDEN']);

  expect((await gql(app.url, WebhookEndpointsDocument, { scope: 'TEAM' }, partner)).data?.webhookEndpoints.map((e) => e.id)).toEqual([teamEndpoint.id]);
  expect((await gql(app.url, WebhookEndpointsDocument, {}, owner)).data?.webhookEndpoints.map((e) => e.id)).toEqual([orgEndpoint.id]);
  // Each side's ids are not found from the other, nor from another organisation.
  for (const [token, id] of [[partner, orgEndpoint.id], [owner, teamEndpoint.id], [stranger, orgEndpoint.id], [stranger, teamEndpoint.id], [owner, 'not-a-uuid']] as const) {
    expect(errorCodes(await gql(app.url, UpdateWebhookEndpointDocument, { id, enabled: false }, token))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql(app.url, WebhookDeliveriesDocument, { endpointId: id }, token))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql(app.url, RotateWebhookSecretDocument, { id }, token))).toEqual(['NOT_FOUND']);
  }
  expect((await gql(app.url, WebhookEndpointsDocument, {}, stranger)).data?.webhookEndpoints).toEqual([]);
  const rows = await app.app.db.query(`SELECT team_id, enabled FROM webhook_endpoints WHERE org_id = $1 ORDER BY team_id`, [orgId]);
  expect(rows).toEqual([{ team_id: '', enabled: true }, { team_id: 'team-north', enabled: true }]);

  // Bad input is refused with the reason.
  const refused = await gql(app.url, UpdateWebhookEndpointDocument, { id: orgEndpoint.id, events: [] }, owner);
  expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
  expect(errorCodes(await gql(app.url, UpdateWebhookEndpointDocument, { id: orgEndpoint.id, url: 'ftp://example.com/x' }, owner))).toEqual(['BAD_USER_INPUT']);
  expect(errorCodes(await gql(app.url, UpdateWebhookEndpointDocument, { id: orgEndpoint.id, events: ['TEST'] }, owner))).toEqual(['BAD_USER_INPUT']);

  expect((await gql(app.url, DeleteWebhookEndpointDocument, { id: teamEndpoint.id }, partner)).data?.deleteWebhookEndpoint).toBe(true);
  expect(errorCodes(await gql(app.url, DeleteWebhookEndpointDocument, { id: teamEndpoint.id }, partner))).toEqual(['NOT_FOUND']);
});

test("a partner's TEAM endpoint gets its team's sends only; bounces, complaints and unsubscribes arrive within 5 s", async () => {
  const orgId = uniqueOrg('outbound-api');
  const owner = await tokenFor(orgId, 'olivia', 'owner');
  const partner = await tokenFor(orgId, 'pierre', 'partner', 'team-north');
  const orgWide = await createEndpoint(app.url, owner, `${receiver.url}?org`);
  const team = await createEndpoint(app.url, partner, `${receiver.url}?team`, { scope: 'TEAM' });
  const north = await insertSend(app.app.db, { orgId, senderTeamId: 'team-north', contactId: 'c-north', campaignId: 'drip' });
  const south = await insertSend(app.app.db, { orgId, senderTeamId: 'team-south', contactId: 'c-south' });
  const other = await insertSend(app.app.db, { orgId, contactId: 'c-other' });

  const posted = Date.now();
  const events = [
    eventData('failed', { sendId: north.sendId, orgId, severity: 'permanent' }),
    eventData('complained', { sendId: south.sendId, orgId }),
    eventData('unsubscribed', { sendId: other.sendId, orgId }),
    eventData('failed', { sendId: other.sendId, orgId, severity: 'temporary' }),
  ];
  for (const data of events) expect((await postJson(app.url, jsonBody(PLATFORM_KEY, data))).status).toBe(200);

  const bySend = (query: string) => receiver.received.filter((hook) => hook.path.endsWith(`?${query}`));
  await receiver.waitFor(() => bySend('org').length === 3 && bySend('team').length === 1, 5_000, 'the three outcomes');
  expect(Math.max(...receiver.received.filter((hook) => [north, south, other].some((s) => s.sendId === hook.json.data.sendId)).map((hook) => hook.at)) - posted).toBeLessThan(5_000);
  expect(bySend('org').map((hook) => [hook.json.type, hook.json.data.contactId]).sort()).toEqual([
    ['email.bounced', 'c-north'],
    ['email.complained', 'c-south'],
    ['email.unsubscribed', 'c-other'],
  ]);
  const [bounce] = bySend('team');
  expect(bounce.json.type).toBe('email.bounced');
  expect(verifies(team.secret, bounce)).toBe(true);
  expect(verifies(orgWide.secret, bounce)).toBe(false);
  expect(bounce.json.data).toEqual({
    eventId: bounce.id,
    sendId: north.sendId,
    campaignId: 'drip',
    templateId: null,
    enrollmentId: null,
    stepIndex: null,
    senderId: 'sender-1',
    contactId: 'c-north',
    occurredAt: bounce.json.timestamp,
    source: 'WEBHOOK',
    counted: null,
    bot: null,
    botReason: null,
    mpp: null,
    firstForSend: null,
  });
  expect(receiver.received.map((hook) => hook.body).join('\n')).not.toContain('someone@example.com');
  // Mailgun retrying the same event adds nothing.
  expect((await postJson(app.url, jsonBody(PLATFORM_KEY, events[0]))).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(bySend('team')).toHaveLength(1);
});
