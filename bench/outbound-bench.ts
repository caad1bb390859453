// Outbound webhooks: deliveries per second to one healthy local receiver
// (next to what the same HTTP client posts to it with no database at all),
// the p99 from settling to delivery for a steady flow of opens, and the
// pixel's burst requests per second with 3 endpoints delivering a backlog,
// next to the same burst with none. Numbers of one run; the goals are the
// issue's.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { Agent } from 'undici';
import type { DataSource } from 'typeorm';
import { TokenCodec } from '../src/events/tokens';
import { newEndpointSecret, sealEndpointSecret } from '../src/outbound/endpoint-secrets';
import { BENCH_SECRETS, insertBenchSends, startBenchEnvironment } from './environment';
import type { BenchRow } from './table';
import { startApp } from './webhook-bench';

const DELIVERIES = Number(process.env.BENCH_OUTBOUND_DELIVERIES ?? 20_000);
const BURST_SECONDS = Number(process.env.BENCH_OUTBOUND_BURST_SECONDS ?? 10);
const FLOW_SECONDS = Number(process.env.BENCH_OUTBOUND_FLOW_SECONDS ?? 20);
const FLOW_PER_SECOND = 50;
const SENDS = 2_000;
const LINK = 'https://example.com/landing';

interface Arrival {
  path: string;
  at: number;
  occurredAt: string;
}

/** The healthy receiver: answers 204 at once, notes what arrived where (and counts it, so waiting for a count costs the process nothing). */
function startReceiver(arrivals: Arrival[], counts: Map<string, number>): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const occurredAt = /"occurredAt":"([^"]+)"/.exec(body)?.[1] ?? '';
      arrivals.push({ path: request.url ?? '', at: Date.now(), occurredAt });
      counts.set(request.url ?? '', (counts.get(request.url ?? '') ?? 0) + 1);
      response.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

async function addEndpoint(db: DataSource, orgId: string, url: string): Promise<void> {
  const id = randomUUID();
  const sealed = sealEndpointSecret(Buffer.from(BENCH_SECRETS.SECRETS_ENCRYPTION_KEY, 'hex'), newEndpointSecret(), orgId, id);
  await db.query(`INSERT INTO webhook_endpoints (org_id, id, url, secret_enc) VALUES ($1, $2, $3, $4)`, [orgId, id, url, sealed]);
}

/** Unsubscribes of the organisation's sends, queued as the Mailgun path queues them: due at once. */
async function queueBacklog(db: DataSource, orgId: string, count: number): Promise<void> {
  await db.query(
    `INSERT INTO webhook_outbox (org_id, id, type, event_id, send_id, occurred_at, due_at)
     SELECT $1, u, 'UNSUBSCRIBED', u, s.id, now(), now()
     FROM (SELECT gen_random_uuid() AS u, g FROM generate_series(1, $2) g) q
     JOIN LATERAL (SELECT id FROM sends WHERE org_id = $1 OFFSET (q.g % $3) LIMIT 1) s ON true`,
    [orgId, count, SENDS],
  );
}

/** What the same client posts per second to the receiver with nothing else to do: the ceiling. */
async function bareClientRate(url: string, seconds: number): Promise<{ perSecond: number; cpuMs: number }> {
  const agent = new Agent({ connections: 32 });
  const cpu = process.cpuUsage();
  const until = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (Date.now() < until) {
        const response = await agent.request({ origin: url, path: '/bare', method: 'POST', body: '{"type":"email.test"}', headers: { 'content-type': 'application/json' } });
        await response.body.dump();
        done++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  await agent.close();
  return { perSecond: done / seconds, cpuMs: (used.user + used.system) / 1000 / Math.max(1, done) };
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!done() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  return done();
}

async function pixelBurst(url: string, openTokens: readonly string[]): Promise<number> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: 50,
    duration: BURST_SECONDS,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const i = next++;
          return { ...request, path: `/track/open/${openTokens[i % openTokens.length]}.gif`, headers: { ...request.headers, 'user-agent': 'Mozilla/5.0 (bench) AppleWebKit' } };
        },
      },
    ],
  });
  return result.requests.average;
}

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil(values.length * 0.99) - 1)] ?? NaN;

export async function benchOutbound(): Promise<BenchRow[]> {
  const env = await startBenchEnvironment('outbound');
  const arrivals: Arrival[] = [];
  const counts = new Map<string, number>();
  const receiver = await startReceiver(arrivals, counts);
  const rows: BenchRow[] = [];
  try {
    const codec = new TokenCodec(BENCH_SECRETS.TRACKING_SIGNING_SECRET);
    const orgs = { throughput: 'bench-outbound-a', flow: 'bench-outbound-b', none: 'bench-outbound-c', three: 'bench-outbound-d' };
    const sends: Record<string, string[]> = {};
    for (const orgId of Object.values(orgs)) sends[orgId] = await insertBenchSends(env.db, orgId, SENDS, LINK);

    // 1. Deliveries per second: a backlog, one endpoint, this process's dispatcher.
    const ceiling = await bareClientRate(receiver.url, 5);
    await addEndpoint(env.db, orgs.throughput, `${receiver.url}/throughput`);
    await queueBacklog(env.db, orgs.throughput, DELIVERIES);
    // Every statement the dispatcher sends meanwhile (TypeORM hands each to its logger, whatever the level).
    let statements = 0;
    const logQuery = env.db.logger.logQuery.bind(env.db.logger);
    env.db.logger.logQuery = (query, parameters, runner) => {
      statements++;
      logQuery(query, parameters, runner);
    };
    const started = Date.now();
    // CPU time, not wall time: on a loaded machine the rate mostly says how much CPU the process was given.
    const cpu = process.cpuUsage();
    env.app.outbound.start();
    const delivered = () => counts.get('/throughput') ?? 0;
    await waitUntil(() => delivered() >= DELIVERIES, 600_000);
    const seconds = (Date.now() - started) / 1000;
    env.db.logger.logQuery = logQuery;
    const used = process.cpuUsage(cpu);
    rows.push({ name: 'outbound deliveries to one healthy local receiver', value: delivered() / seconds, unit: 'deliveries/s', goal: `>= 2,000 (the same client alone: ${Math.round(ceiling.perSecond)}/s)` });
    rows.push({
      name: 'outbound CPU per delivery (this process, receiver included)',
      value: (used.user + used.system) / 1000 / Math.max(1, delivered()),
      unit: 'ms',
      goal: `reference (the same client alone: ${ceiling.cpuMs.toFixed(3)} ms per request)`,
    });
    rows.push({ name: 'outbound statements per delivery', value: statements / Math.max(1, delivered()), unit: 'statements', goal: 'reference (settling, claims, records, transactions)' });

    // 2. A steady flow of opens through the pixel: settled 60 s after each, delivered when?
    await addEndpoint(env.db, orgs.flow, `${receiver.url}/flow`);
    const flowTokens = sends[orgs.flow].map((sendId) => codec.encodeOpen(orgs.flow, sendId));
    for (let second = 0; second < FLOW_SECONDS; second++) {
      const tick = Date.now();
      await Promise.all(
        Array.from({ length: FLOW_PER_SECOND }, (_, n) =>
          fetch(`${env.url}/track/open/${flowTokens[(second * FLOW_PER_SECOND + n) % flowTokens.length]}.gif`, { headers: { 'user-agent': 'Mozilla/5.0 (bench) AppleWebKit' } }).then((response) => response.arrayBuffer()),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - tick))));
    }
    const flowCount = FLOW_SECONDS * FLOW_PER_SECOND;
    const flow = () => arrivals.filter((arrival) => arrival.path === '/flow');
    await waitUntil(() => (counts.get('/flow') ?? 0) >= flowCount, 120_000);
    const latencies = flow().map((arrival) => (arrival.at - (Date.parse(arrival.occurredAt) + 60_000)) / 1000);
    rows.push({ name: 'outbound p99 from settling (event + 60 s) to delivery', value: p99(latencies), unit: 's', goal: `< 15 s (${flow().length}/${flowCount} opens delivered, ${FLOW_PER_SECOND}/s)` });
    await env.app.outbound.stop();

    // 3. The pixel's burst, in its own process, with no endpoint; then with 3 delivering a backlog.
    const target = { ...BENCH_SECRETS, DATABASE_URL: env.app.config.databaseUrl as string, LOG_LEVEL: 'warn', EMAIL_TRACKING_ENABLED: 'true' };
    const plain = await startApp(target, 'app-outbound');
    const without = await pixelBurst(plain.url, sends[orgs.none].map((sendId) => codec.encodeOpen(orgs.none, sendId)));
    await plain.stop();
    for (const n of [1, 2, 3]) await addEndpoint(env.db, orgs.three, `${receiver.url}/three-${n}`);
    await queueBacklog(env.db, orgs.three, DELIVERIES);
    const busy = await startApp(target, 'app-outbound');
    const before = arrivals.length;
    const withThree = await pixelBurst(busy.url, sends[orgs.three].map((sendId) => codec.encodeOpen(orgs.three, sendId)));
    const duringBurst = arrivals.length - before;
    await busy.stop();
    rows.push({ name: 'pixel burst with 3 endpoints / without', value: withThree / without, unit: 'ratio', goal: `>= 0.9 (${Math.round(withThree)} / ${Math.round(without)} req/s; ${duringBurst} deliveries during the burst)` });
    return rows;
  } finally {
    receiver.server.closeAllConnections();
    receiver.server.close();
    await env.app.outbound.stop();
    await env.close();
  }
}
