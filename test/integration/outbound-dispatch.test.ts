// The dispatcher on its own, against a real receiver on 127.0.0.1: a backlog
// larger than what it claims ahead is delivered each once; while the process
// is busy answering requests it delivers at a trickle, never nothing, and
// all of it once the requests stop; a graceful stop gives back at once what
// it claimed and never started, while what it was sending keeps its lease;
// an answer that never ends is read only up to the cap.
// On a database of its own: another file's dispatcher would claim these too.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { createLogger } from '../../src/logger';
import { queueTestDelivery } from '../../src/outbound/delivery-store';
import { OutboundDispatcher } from '../../src/outbound/dispatcher';
import { defaultDispatcherOptions } from '../../src/outbound/dispatcher-options';
import { newEndpointSecret, sealEndpointSecret } from '../../src/outbound/endpoint-secrets';
import { HttpSender, MAX_RESPONSE_BYTES } from '../../src/outbound/http-sender';
import { testConfig, uniqueOrg } from '../support/app';
import { Receiver } from '../support/receiver';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

let scratch: ScratchDatabase;
let db: DataSource;
let receiver: Receiver;
const key = testConfig().secretsEncryptionKey;
const dispatchers: OutboundDispatcher[] = [];

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = scratch.db;
  receiver = await new Receiver().start();
}, 60_000);

afterAll(async () => {
  await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop(100)));
  await receiver?.close();
  await scratch?.drop();
});

function dispatcher(pressure = { isBusy: () => false }): OutboundDispatcher {
  const started = new OutboundDispatcher(db, new HttpSender(true), key, createLogger('silent'), defaultDispatcherOptions, pressure);
  dispatchers.push(started);
  return started;
}

/** An endpoint whose receiver URL names the organisation, with `count` test deliveries due for it. */
async function endpointWithBacklog(label: string, count: number): Promise<{ orgId: string; endpointId: string }> {
  const orgId = uniqueOrg(label);
  const endpointId = randomUUID();
  await db.query(`INSERT INTO webhook_endpoints (org_id, id, url, secret_enc) VALUES ($1, $2, $3, $4)`, [
    orgId,
    endpointId,
    `${receiver.url}?${orgId}`,
    sealEndpointSecret(key, newEndpointSecret(), orgId, endpointId),
  ]);
  for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => queueTestDelivery(db, orgId, endpointId)));
  return { orgId, endpointId };
}

const forOrg = (orgId: string) => receiver.received.filter((hook) => hook.path.endsWith(`?${orgId}`));

async function statuses(orgId: string): Promise<Record<string, number>> {
  const rows: { status: string; n: number }[] = await db.query(`SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE org_id = $1 GROUP BY status`, [orgId]);
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

test('a backlog several times what is claimed ahead is delivered, each delivery once', async () => {
  const { orgId } = await endpointWithBacklog('dispatch-backlog', 300);
  const delivering = dispatcher();
  delivering.start();
  await receiver.waitFor(() => forOrg(orgId).length >= 300, 30_000, 'the backlog');
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await delivering.stop();
  expect(new Set(forOrg(orgId).map((hook) => hook.id)).size).toBe(300);
  expect(forOrg(orgId)).toHaveLength(300);
  expect(await statuses(orgId)).toEqual({ DELIVERED: 300 });
}, 60_000);

test('while the process is busy answering it delivers a trickle, and everything once it is not', async () => {
  const { orgId } = await endpointWithBacklog('dispatch-busy', 60);
  let busy = true;
  const trickling = dispatcher({ isBusy: () => busy });
  trickling.start();
  // Never nothing: a claim of busyPerEndpoint at the start and at each 1 s poll.
  await receiver.waitFor(() => forOrg(orgId).length > 0, 10_000, 'a first trickle');
  const first = forOrg(orgId).length;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  // At most three polls' worth in 2 s (a late timer only makes it fewer).
  expect(forOrg(orgId).length).toBeLessThanOrEqual(first + 3 * defaultDispatcherOptions.busyPerEndpoint);
  busy = false;
  await receiver.waitFor(() => forOrg(orgId).length >= 60, 10_000, 'the rest once the requests stop');
  expect(new Set(forOrg(orgId).map((hook) => hook.id)).size).toBe(60);
  await trickling.stop();
}, 60_000);

test('a graceful stop gives back what was claimed and never started; what was in flight keeps its lease', async () => {
  const { orgId } = await endpointWithBacklog('dispatch-stop', 100);
  receiver.answer = (request) => (request.url?.endsWith(`?${orgId}`) ? 'hang' : 200);
  const stopping = dispatcher();
  stopping.start();
  const { perEndpoint, claimAhead } = defaultDispatcherOptions;
  await receiver.waitFor(() => forOrg(orgId).length >= perEndpoint, 10_000, 'the first attempts');
  await stopping.stop(300);
  const [due]: { due: number; leased: number }[] = await db.query(
    `SELECT count(*) FILTER (WHERE next_attempt_at <= now())::int AS due, count(*) FILTER (WHERE next_attempt_at > now())::int AS leased
     FROM webhook_deliveries WHERE org_id = $1 AND status = 'PENDING'`,
    [orgId],
  );
  // 32 were being sent (hanging), 64 were queued behind them, 4 never claimed.
  expect(due).toEqual({ due: 100 - perEndpoint, leased: perEndpoint });
  expect(forOrg(orgId)).toHaveLength(perEndpoint);
  expect(perEndpoint + claimAhead).toBeLessThan(100);
  receiver.answer = () => 200;
}, 60_000);

test('an answer whose body never ends is read up to 64 KB: the attempt ends with its status, the connection cut', async () => {
  let written = 0;
  let closed = false;
  const endless = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const more = () => {
      while (!closed && response.write(chunk)) written += chunk.length;
    };
    response.on('drain', more);
    response.on('close', () => (closed = true));
    more();
  });
  await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
  const sender = new HttpSender(true);
  try {
    const result = await sender.send({ url: `http://127.0.0.1:${(endless.address() as AddressInfo).port}/`, headers: {}, body: '{}' });
    expect(result).toEqual({ statusCode: 200, error: null });
    for (let i = 0; i < 50 && !closed; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(true);
    // What the kernel's buffers took beyond the cap, not an endless read.
    expect(written).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1024 * 1024);
  } finally {
    await sender.close();
    endless.closeAllConnections();
    endless.close();
  }
}, 30_000);
