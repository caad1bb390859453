// Safe targets in production mode: http:, private addresses and names that
// resolve to one are refused when an endpoint is saved, and again at every
// delivery (an endpoint whose name later resolves inward, DNS rebinding): a
// receiver listening there never hears a thing.
import { CreateWebhookEndpointDocument, SendTestWebhookDocument, WebhookDeliveriesDocument } from '../generated/graphql';
import { tokenFor, uniqueOrg } from '../support/app';
import { errorCodes, gql } from '../support/graphql-client';
import { Receiver } from '../support/receiver';
import { startScratchApp, type ScratchApp } from '../support/scratch-app';
import { newEndpointSecret, sealEndpointSecret } from '../../src/outbound/endpoint-secrets';
import { randomUUID } from 'node:crypto';

let app: ScratchApp;
let receiver: Receiver;

beforeAll(async () => {
  // A database of its own: this production-mode dispatcher must not meet other tests' endpoints.
  app = await startScratchApp({ NODE_ENV: 'production' });
  app.app.outbound.start();
  receiver = await new Receiver().start();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await receiver?.close();
});

const port = () => new URL(receiver.url).port;
const refusedUrls = () => [`http://127.0.0.1:${port()}/hooks`, 'https://10.0.0.1/hooks', `https://localhost:${port()}/hooks`, 'https://[::1]/hooks', 'https://169.254.169.254/latest'];

test('production refuses http:, private addresses and names resolving to loopback when saving', async () => {
  expect(app.app.config.webhookAllowPrivate).toBe(false);
  const owner = await tokenFor(uniqueOrg('outbound-targets'), 'olivia', 'owner');
  for (const url of refusedUrls()) {
    const result = await gql(app.url, CreateWebhookEndpointDocument, { url }, owner);
    expect([url, errorCodes(result)]).toEqual([url, ['BAD_USER_INPUT']]);
    expect(result.errors?.[0].message).toMatch(/https:|public address/);
  }
  const [row] = await app.scratch.db.query(`SELECT count(*)::int AS n FROM webhook_endpoints`);
  expect(row.n).toBe(0);
});

test('production refuses them again at delivery, for endpoints saved when they looked fine', async () => {
  const orgId = uniqueOrg('outbound-targets');
  const owner = await tokenFor(orgId, 'olivia', 'owner');
  const ids: string[] = [];
  for (const url of refusedUrls().slice(0, 3)) {
    const id = randomUUID();
    const sealed = sealEndpointSecret(app.app.config.secretsEncryptionKey, newEndpointSecret(), orgId, id);
    await app.scratch.db.query(`INSERT INTO webhook_endpoints (org_id, id, url, secret_enc) VALUES ($1, $2, $3, $4)`, [orgId, id, url, sealed]);
    expect(errorCodes(await gql(app.url, SendTestWebhookDocument, { id }, owner))).toEqual([]);
    ids.push(id);
  }
  for (const id of ids) {
    let last: { status: string; lastError: string | null; attempts: number } | undefined;
    for (let i = 0; i < 50 && !last?.attempts; i++) {
      [last] = (await gql(app.url, WebhookDeliveriesDocument, { endpointId: id }, owner)).data!.webhookDeliveries;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(last).toMatchObject({ status: 'PENDING', attempts: 1, lastError: expect.stringMatching(/^target refused: /) });
  }
  expect(receiver.received).toEqual([]);
});
