// Mailgun webhook ingestion end to end: signed JSON events (opened, clicked
// on our tracking URLs, delivered) posted over HTTP by autocannon to the real
// application in its own process, then the events found in the database.
// Each body is unique (its own event id and token) and signed beforehand, so
// the load generator spends its time sending, not hashing.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import autocannon from 'autocannon';
import { TokenCodec } from '../src/events/tokens';
import { addLinkFigures, addSendFigures } from '../src/rollups/contributions';
import { signMailgun } from '../src/webhooks/signature';
import { BENCH_SECRETS, startBenchEnvironment } from './environment';
import type { BenchRow } from './table';

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 30_000);
const CONNECTIONS = Number(process.env.BENCH_WEBHOOK_CONNECTIONS ?? 50);
const SENDS = 1000;
const ORG = 'bench-webhooks';
const KEY = 'bench-mailgun-signing-key-0123456789';
const LINK = 'https://example.com/landing?utm_source=bench';

interface Target {
  url: string;
  stop(): Promise<void>;
}

/** The application as bench/tracking-target.ts runs it (`mode`, default `app`): its own process, its own event loop. */
export function startApp(env: Record<string, string>, mode = 'app'): Promise<Target> {
  const child = spawn(process.execPath, [path.join(__dirname, 'tracking-target.js'), mode], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  let started = false;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (!started) reject(new Error(`webhook benchmark target exited with ${code}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (started) return; // drained, not read: its logs are not ours to print
      output += chunk.toString();
      const ready = /READY (\S+)\n/.exec(output);
      if (!ready) return;
      started = true;
      resolve({
        url: ready[1],
        stop: () =>
          new Promise((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

function signedBodies(sendIds: readonly string[]): string[] {
  const codec = new TokenCodec(BENCH_SECRETS.TRACKING_SIGNING_SECRET);
  const now = Date.now() / 1000;
  return Array.from({ length: EVENTS }, (_, n) => {
    const sendId = sendIds[n % sendIds.length];
    const type = n % 10 < 5 ? 'opened' : n % 10 < 8 ? 'clicked' : 'delivered';
    const timestamp = String(Math.floor(now));
    const token = randomBytes(25).toString('hex');
    return JSON.stringify({
      signature: { timestamp, token, signature: signMailgun(KEY, timestamp, token) },
      'event-data': {
        id: randomBytes(16).toString('base64url'),
        event: type,
        // Spread over an hour so the 10-minute dedupe does not swallow most events.
        timestamp: now - (n % 3600),
        recipient: `c${n % SENDS}@example.com`,
        ip: `198.51.${(n >> 8) & 255}.${n & 255}`,
        'user-variables': { send_id: sendId, org_id: ORG },
        message: { headers: { 'message-id': `${n}@mg.example.com` } },
        ...(type === 'clicked' ? { url: `https://track.example.com/track/click/${codec.encodeClick(ORG, sendId, 0, LINK)}` } : {}),
        ...(type !== 'delivered' ? { 'client-info': { 'user-agent': 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15', 'client-type': 'browser' } } : {}),
      },
    });
  });
}

export async function benchWebhooks(): Promise<BenchRow[]> {
  const env = await startBenchEnvironment('webhooks');
  try {
    const ids: { id: string }[] = await env.db.query(
      `INSERT INTO sends (org_id, sent_at, sender_id, contact_id, recipient_email, tracked, tracked_links)
       SELECT $1, now() - interval '2 hours', 'sender', 'contact-' || g, 'c' || g || '@example.com', true, 1 FROM generate_series(1, $2) g
       RETURNING id`,
      [ORG, SENDS],
    );
    await env.db.query(`INSERT INTO send_links (org_id, send_id, position, url) SELECT $1, id, 0, $2 FROM sends WHERE org_id = $1`, [ORG, LINK]);
    await addSendFigures(env.db.manager, ORG, ids.map(({ id }) => id), 1);
    await addLinkFigures(env.db.manager, ORG, ids.map(({ id }) => id), 1);
    const bodies = signedBodies(ids.map(({ id }) => id));
    await env.server.close(); // the in-process server is not the one under load

    const app = await startApp({ ...BENCH_SECRETS, DATABASE_URL: env.app.config.databaseUrl as string, MAILGUN_WEBHOOK_SIGNING_KEY: KEY, LOG_LEVEL: 'warn' });
    let next = 0;
    const started = Date.now();
    const result = await autocannon({
      url: app.url,
      connections: CONNECTIONS,
      amount: bodies.length,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/webhooks/mailgun',
          setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'content-type': 'application/json' }, body: bodies[next++ % bodies.length] }),
        },
      ],
    });
    const seconds = (Date.now() - started) / 1000;
    await app.stop();

    const [found]: { processed: number; events: number; counted: number }[] = await env.db.query(
      `SELECT (SELECT count(*)::int FROM processed_webhook_events WHERE org_id = $1) AS processed,
              count(*)::int AS events, count(*) FILTER (WHERE counted)::int AS counted
       FROM tracking_events WHERE org_id = $1`,
      [ORG],
    );
    const ok = (result.statusCodeStats as Record<string, { count: number }> | undefined)?.['200']?.count ?? 0;
    return [
      { name: 'mailgun webhooks ingested (verified, stored)', value: found.processed / seconds, unit: 'events/s', goal: '>= 2,000 events/s' },
      { name: 'mailgun webhook p99', value: result.latency.p99, unit: 'ms', goal: `reference (${CONNECTIONS} connections, ${result.latency.average.toFixed(1)} ms mean)` },
      { name: 'webhook 200 answers / events stored', value: `${ok} / ${found.processed}`, unit: 'events', goal: `non-2xx ${result.non2xx}, errors ${result.errors} (goal 0)` },
      { name: 'webhook opens+clicks stored / counted', value: `${found.events} / ${found.counted}`, unit: 'events', goal: 'reference (10-minute dedupe)' },
    ];
  } finally {
    await env.close();
  }
}
