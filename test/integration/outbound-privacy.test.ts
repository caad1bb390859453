// Outbound webhooks under erasure and retention: an erased contact's
// deliveries and queued events go, others' stay; delivery records older than
// the raw events' retention are pruned with them.
import { ForgetContactDocument } from '../generated/graphql';
import { settleDue } from '../../src/outbound/settle';
import { pruneRawEvents } from '../../src/retention/prune';
import { tokenFor, uniqueOrg } from '../support/app';
import { gql } from '../support/graphql-client';
import { eventData, jsonBody, PLATFORM_KEY, postJson } from '../support/mailgun';
import { createEndpoint } from '../support/outbound';
import { fetchPixel, startScratchApp, type ScratchApp } from '../support/scratch-app';
import { insertSend } from '../support/sends';

// The dispatcher is not started: what is queued stays queued for the test to look at.
let app: ScratchApp;
beforeAll(async () => {
  app = await startScratchApp({ MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY, EMAIL_TRACKING_WEBHOOK_ALLOW_PRIVATE: 'true' });
}, 60_000);
afterAll(async () => {
  await app?.close();
});

const counts = async (orgId: string, contactId: string) => {
  const [row] = await app.scratch.db.query(
    `SELECT (SELECT count(*)::int FROM webhook_deliveries WHERE org_id = $1 AND contact_id = $2) AS deliveries,
            (SELECT count(*)::int FROM webhook_outbox o JOIN sends s ON s.org_id = o.org_id AND s.id = o.send_id
              WHERE o.org_id = $1 AND s.contact_id = $2) AS queued`,
    [orgId, contactId],
  );
  return row as { deliveries: number; queued: number };
};

test("erasure drops the contact's pending deliveries and queued events, and no one else's", async () => {
  const orgId = uniqueOrg('outbound-privacy');
  const owner = await tokenFor(orgId, 'olivia', 'owner');
  await createEndpoint(app.url, owner, 'http://127.0.0.1:9/never');
  const sends = { erased: await insertSend(app.scratch.db, { orgId, contactId: 'c-erased' }), kept: await insertSend(app.scratch.db, { orgId, contactId: 'c-kept' }) };
  for (const send of Object.values(sends)) {
    expect((await postJson(app.url, jsonBody(PLATFORM_KEY, eventData('unsubscribed', { sendId: send.sendId, orgId })))).status).toBe(200);
  }
  await settleDue(app.scratch.db, 100);
  for (const send of Object.values(sends)) await fetchPixel(app.url, send.openToken);
  await app.app.recorder.flush();
  expect(await counts(orgId, 'c-erased')).toEqual({ deliveries: 1, queued: 1 });

  expect((await gql(app.url, ForgetContactDocument, { contactId: 'c-erased' }, owner)).data?.forgetContact).toBe(true);
  expect(await counts(orgId, 'c-erased')).toEqual({ deliveries: 0, queued: 0 });
  expect(await counts(orgId, 'c-kept')).toEqual({ deliveries: 1, queued: 1 });
});

test('retention prunes delivery records older than the raw events kept', async () => {
  const orgId = uniqueOrg('outbound-retention');
  await app.scratch.db.query(
    `INSERT INTO webhook_deliveries (org_id, endpoint_id, message_id, event_id, type, payload, status, created_at)
     VALUES ($1, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'OPENED', '{}', 'DELIVERED', now() - interval '40 days'),
            ($1, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'OPENED', '{}', 'DELIVERED', now() - interval '20 days')`,
    [orgId],
  );
  const result = await pruneRawEvents(app.scratch.db, 30);
  expect(result.deliveriesDeleted).toBe(1);
  const [row] = await app.scratch.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE org_id = $1`, [orgId]);
  expect(row.n).toBe(1);
});
