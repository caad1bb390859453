// Live activity under load (contract section 12, issue 25). The real server
// runs in a process of its own (`dist/src/main.js`, so its RSS is its own);
// a worker thread of this process holds the streams, one per sales rep of
// one organisation (live-stream-readers.ts), and this thread drives the
// pixel with autocannon (50 connections, a distinct address per
// request, every rep's sends in turn):
//   - 100,000 opens over a minute with no stream: the pixel's p99, the baseline;
//   - the pixel's requests per second with 0, 100 and 1,000 streams open,
//     each as a ratio to 0 (goal: at least 0.9 at 1,000);
//   - then, with 1,000 streams, the same minute again: the pixel's p99 (goal
//     under 20 ms), the p99 from the end of an event's writer transaction to
//     its arrival on a stream (goal under 2 s), the events that arrived, and
//     the server's peak RSS (goal under 400 MB).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { signToken } from '../src/auth/jwt';
import { TokenCodec } from '../src/events/tokens';
import { BENCH_SECRETS, settleWriterTables, startBenchEnvironment } from './environment';
import { memoryRows, memoryText, percentile, waitRows, watchBatches } from './live-measures';
import { startStreamReaders } from './live-stream-readers';
import type { ProbeReading } from './server-probe';
import type { BenchRow } from './table';

const THROUGHPUT_S = Number(process.env.BENCH_LIVE_SECONDS ?? 10);
const SUSTAINED_S = Number(process.env.BENCH_LIVE_SUSTAINED_SECONDS ?? 60);
const SUSTAINED_EVENTS = Number(process.env.BENCH_LIVE_EVENTS ?? 100_000);
const REPS = 1_000;
const SENDS_PER_REP = 20;
const ORG = 'bench-live';

interface Server {
  url: string;
  /** the server's own figures (bench/server-probe.ts): `mark` starts a window, `read` ends it, `settle` collects garbage first */
  probe(ask: 'mark' | 'read' | 'settle'): Promise<ProbeReading>;
  /** resolves once everything answered so far is written (so one step's backlog does not load the next) */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

async function metric(url: string, name: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
}

/**
 * BENCH_LIVE_CPU_PROFILE=dir: the server writes a CPU profile there when it
 * stops (read it with bench/cpu-stretches.ts). BENCH_LIVE_NODE_FLAGS: more
 * flags for the server's node, e.g. a heap cap to try (`--max-old-space-size=256`).
 */
function serverFlags(): string[] {
  const profileDir = process.env.BENCH_LIVE_CPU_PROFILE;
  const extra = (process.env.BENCH_LIVE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  return ['--expose-gc', '-r', path.join(__dirname, 'server-probe.js'), ...extra, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
}

function startServer(databaseUrl: string): Promise<Server> {
  const child = spawn(process.execPath, [...serverFlags(), path.join(__dirname, '..', 'src', 'main.js')], {
    env: {
      ...process.env,
      ...BENCH_SECRETS,
      NODE_ENV: 'production',
      EMAIL_TRACKING_ENABLED: 'true',
      DATABASE_URL: databaseUrl,
      PORT: '0',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'info',
      EMAIL_TRACKING_MAX_STREAMS: String(REPS * 2),
      EMAIL_TRACKING_SPOOL_DIR: mkdtempSync(path.join(tmpdir(), 'bench-live-spool-')),
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let output = '';
  // The probe answers in the order asked.
  const answers: ((reading: ProbeReading) => void)[] = [];
  child.on('message', (message: { probe: ProbeReading }) => answers.shift()?.(message.probe));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${output}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (http:\/\/\S+) /.exec(output);
      if (!listening) return;
      child.removeAllListeners('exit');
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      const url = listening[1];
      resolve({
        url,
        probe: (ask) =>
          new Promise((answered) => {
            answers.push(answered);
            child.send(ask);
          }),
        async drained() {
          while ((await metric(url, 'tracking_events_buffered')) > 0) await new Promise((done) => setTimeout(done, 500));
        },
        stop: () => new Promise((done) => (child.once('exit', () => done()), child.kill('SIGTERM'))),
      });
    });
  });
}

function pixelLoad(url: string, paths: readonly string[], seconds: number, rate?: number): Promise<autocannon.Result> {
  let n = 0;
  const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return autocannon({
    url,
    connections: 50,
    duration: seconds,
    ...(rate ? { overallRate: rate } : {}),
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const i = n++;
          return { ...req, path: paths[i % paths.length], headers: { ...req.headers, 'user-agent': 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko)', 'x-forwarded-for': ip(i) } };
        },
      },
    ],
  });
}

export async function benchLive(): Promise<BenchRow[]> {
  const env = await startBenchEnvironment('live');
  const databaseUrl = (env.db.options as { url: string }).url;
  // The environment's own in-process server stays idle: the server measured is the process below.
  const tokens = new TokenCodec(BENCH_SECRETS.TRACKING_SIGNING_SECRET);
  const sends: { id: string }[] = await env.db.query(
    `INSERT INTO sends (org_id, sent_at, sender_id, contact_id, recipient_email, tracked, tracked_links)
     SELECT $1, now(), 'rep-' || (g % $2), 'contact-' || g, 'c' || g || '@example.com', true, 0 FROM generate_series(1, $3) g
     RETURNING id`,
    [ORG, REPS, REPS * SENDS_PER_REP],
  );
  const paths = sends.map((send) => `/track/open/${tokens.encodeOpen(ORG, send.id)}.gif`);
  const repTokens = await Promise.all(
    Array.from({ length: REPS }, (_, rep) => signToken({ orgId: ORG, userId: `rep-${rep}`, role: 'sales_rep' }, BENCH_SECRETS.AUTH_JWT_SECRET)),
  );
  await settleWriterTables(env.db);
  const server = await startServer(databaseUrl);
  const rows: BenchRow[] = [];
  const readers = startStreamReaders(server.url);
  let streams = 0;
  const rate = Math.round(SUSTAINED_EVENTS / SUSTAINED_S);
  const sustainedName = `${SUSTAINED_EVENTS.toLocaleString('en-US')} opens over ${SUSTAINED_S} s`;
  try {
    await pixelLoad(server.url, paths, 2); // warm-up
    await server.drained();
    await server.probe('mark');
    const baseline = await pixelLoad(server.url, paths, SUSTAINED_S, rate);
    rows.push({ name: `live: pixel p99, no stream, ${sustainedName}`, value: baseline.latency.p99, unit: 'ms', goal: 'baseline' });
    rows.push(...waitRows('no stream', await server.probe('read')));
    await server.drained();
    await settleWriterTables(env.db);

    const rates: number[] = [];
    let unstreamed: ProbeReading | null = null;
    for (const count of [0, 100, 1_000]) {
      if (count === 100) unstreamed = await server.probe('settle');
      await readers.open(repTokens.slice(streams, count));
      streams = count;
      if (count === 1_000) rows.push(...memoryRows(unstreamed!, await server.probe('settle'), count));
      const result = await pixelLoad(server.url, paths, THROUGHPUT_S);
      rates.push(result.requests.average);
      const ratio = result.requests.average / rates[0];
      rows.push({ name: `live: pixel with ${count} streams open`, value: result.requests.average, unit: 'req/s', goal: count === 0 ? 'baseline' : `ratio ${ratio.toFixed(2)} (goal >= 0.9 at 1,000)` });
      await server.drained();
      await settleWriterTables(env.db);
    }

    await readers.clear();
    const since = new Date();
    const batches = watchBatches(env.db, ORG);
    // Memory is sampled inside the server (bench/server-probe.ts): a /metrics scrape a second would stall the loop it measures.
    await server.probe('mark');
    // autocannon's latency includes this thread's own delay: shown, so a slow client is not taken for a slow server.
    const clientLoop = monitorEventLoopDelay({ resolution: 1 });
    clientLoop.enable();
    const sustained = await pixelLoad(server.url, paths, SUSTAINED_S, rate);
    clientLoop.disable();
    const during = await server.probe('read');
    // What the writer deferred during the load reaches the streams shortly after it.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const peakRss = Math.max(during.peak.rss, (await server.probe('read')).peak.rss);
    const left = await server.probe('settle');
    await batches.stop();
    const arrivals = await readers.arrivals();
    const stored: { id: string; occurred: number }[] = await env.db.query(
      `SELECT id, extract(epoch FROM occurred_at) * 1000 AS occurred FROM tracking_events WHERE org_id = $1 AND occurred_at >= $2`,
      [ORG, since],
    );
    const arrived = stored.filter((event) => arrivals.has(event.id));
    const timed = arrived.filter((event) => batches.writtenAt.has(event.id));
    const fromWrite = timed.map((event) => arrivals.get(event.id)! - batches.writtenAt.get(event.id)!);
    const fromRequest = arrived.map((event) => arrivals.get(event.id)! - Number(event.occurred));
    rows.push(
      { name: `live: pixel p99, 1,000 streams, ${sustainedName}`, value: sustained.latency.p99, unit: 'ms', goal: '< 20' },
      { name: 'live: events arrived on a stream / stored', value: `${arrived.length} / ${stored.length}`, unit: 'events', goal: 'all' },
      { name: 'live: p99 written (commit) to arrival', value: percentile(fromWrite, 99), unit: 'ms', goal: `< 2,000 (over ${timed.length} events)` },
      { name: 'live: p99 pixel answered to arrival', value: percentile(fromRequest, 99), unit: 'ms', goal: 'reference (the writer defers under a burst, journal.md)' },
      { name: 'live: server RSS with 1,000 streams (peak)', value: peakRss, unit: 'MB', goal: '< 400' },
      ...waitRows('1,000 streams', during),
      { name: 'live: load generator event-loop delay p99 / max, 1,000 streams', value: `${(clientLoop.percentile(99) / 1e6).toFixed(1)} / ${(clientLoop.max / 1e6).toFixed(1)}`, unit: 'ms', goal: 'small: else the pixel p99 is the client' },
      { name: 'live: server memory at its end', value: memoryText(during), unit: 'MB', goal: 'reference' },
      { name: 'live: server memory once delivered (after a GC)', value: memoryText(left), unit: 'MB', goal: 'reference: what is still held' },
    );
  } finally {
    await readers.close();
    await server.stop();
    await env.close();
  }
  return rows;
}
