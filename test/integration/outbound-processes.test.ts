// Outbound webhooks across real server processes on one database: SIGKILLed
// with deliveries in flight and restarted, everything is delivered; two
// processes side by side deliver each event once.
import { TEST_ENV, openTestDataSource, tokenFor, uniqueOrg } from '../support/app';
import { eventData, jsonBody, PLATFORM_KEY, postJson } from '../support/mailgun';
import { createEndpoint } from '../support/outbound';
import { freePort, spawnServer, type ServerProcess } from '../support/processes';
import { Receiver } from '../support/receiver';
import { insertSend } from '../support/sends';
import { getTestDatabase } from '../support/test-database-state';
import type { DataSource } from 'typeorm';

let db: DataSource;
let receiver: Receiver;
const started: ServerProcess[] = [];

beforeAll(async () => {
  db = await openTestDataSource();
  receiver = await new Receiver().start();
});

afterAll(async () => {
  for (const server of started) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  await Promise.all(started.map((server) => server.exited));
  await receiver?.close();
  await db?.destroy();
});

async function serve(): Promise<string> {
  const port = await freePort();
  const server = spawnServer({ ...TEST_ENV, DATABASE_URL: getTestDatabase().url, PORT: String(port), LOG_LEVEL: 'info', MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY, EMAIL_TRACKING_WEBHOOK_ALLOW_PRIVATE: 'true' });
  started.push(server);
  // A loaded machine takes seconds to start a server: wait for its own word.
  await server.waitFor(/listening on/, 60_000);
  return `http://127.0.0.1:${port}`;
}

async function complain(url: string, orgId: string, sendId: string): Promise<void> {
  expect((await postJson(url, jsonBody(PLATFORM_KEY, eventData('complained', { sendId, orgId })))).status).toBe(200);
}

async function sendsOf(orgId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await insertSend(db, { orgId, contactId: `c-${i}` })).sendId);
  return ids;
}

async function undelivered(orgId: string): Promise<number> {
  const [row] = await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE org_id = $1 AND status <> 'DELIVERED'`, [orgId]);
  return row.n;
}

const forOrg = (orgId: string) => receiver.received.filter((hook) => hook.path.endsWith(`?${orgId}`));

test('SIGKILLed with deliveries in flight and restarted: all are delivered', async () => {
  const orgId = uniqueOrg('outbound-kill');
  let hanging = true;
  receiver.answer = (request) => (hanging && request.url?.endsWith(`?${orgId}`) ? 'hang' : 200);
  const first = await serve();
  await createEndpoint(first, await tokenFor(orgId, 'olivia', 'owner'), `${receiver.url}?${orgId}`);
  for (const sendId of await sendsOf(orgId, 10)) await complain(first, orgId, sendId);
  await receiver.waitFor(() => forOrg(orgId).length >= 1, 5_000, 'the first attempts');
  started[0].child.kill('SIGKILL');
  await started[0].exited;
  hanging = false;
  const ids = new Set<string>();
  await serve();
  // Claimed by the killed process: due again when their lease (60 s) runs out.
  await receiver.waitFor(() => {
    for (const hook of forOrg(orgId)) if (hook.answered === 200) ids.add(hook.id);
    return ids.size === 10;
  }, 90_000, 'all ten complaints');
  // Recorded as delivered a moment after the answer.
  for (let i = 0; i < 50 && (await undelivered(orgId)) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await undelivered(orgId)).toBe(0);
}, 150_000);

test('two processes on one database deliver each event once', async () => {
  const orgId = uniqueOrg('outbound-two');
  receiver.answer = () => 200;
  const urls = [await serve(), await serve()];
  await createEndpoint(urls[0], await tokenFor(orgId, 'olivia', 'owner'), `${receiver.url}?${orgId}`);
  const sends = await sendsOf(orgId, 60);
  await Promise.all(sends.map((sendId, i) => complain(urls[i % 2], orgId, sendId)));
  await receiver.waitFor(() => new Set(forOrg(orgId).map((hook) => hook.id)).size === 60, 15_000, 'sixty complaints');
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(forOrg(orgId)).toHaveLength(60);
}, 60_000);
