// The pixel and the redirect under load (autocannon, 50 connections, every
// request from a distinct X-Forwarded-For), next to a bare node:http server
// answering the same bytes in the same run; then the counted events found in
// the database against the answers given.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { TokenCodec } from '../src/events/tokens';
import { BENCH_SECRETS, startBenchEnvironment } from './environment';
import type { BenchRow } from './table';

const DURATION_S = Number(process.env.BENCH_TRACKING_SECONDS ?? 10);
const SENDS = 50_000;
const ORG = 'bench-tracking';
const LINK = 'https://example.com/landing?utm_source=bench&utm_medium=email';

interface Target {
  url: string;
  stop(): Promise<Record<string, number>>;
}

function startTarget(args: string[], env: Record<string, string>): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'tracking-target.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`benchmark target exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\S+)\n/.exec(output);
      if (!ready) return;
      child.removeAllListeners('exit');
      resolve({
        url: ready[1],
        stop: () =>
          new Promise((done) => {
            child.stdout?.on('data', () => {
              const finished = /DONE (.*)\n/.exec(output);
              if (finished) done(JSON.parse(finished[1]) as Record<string, number>);
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

function ipOf(n: number): string {
  return `${10 + ((n >>> 24) % 200)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

async function load(url: string, paths: string[]): Promise<autocannon.Result> {
  let n = 1;
  return autocannon({
    url,
    connections: 50,
    duration: DURATION_S,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const i = n++;
          return {
            ...request,
            path: paths[i % paths.length],
            headers: { ...request.headers, 'user-agent': 'Mozilla/5.0 (bench) AppleWebKit', 'x-forwarded-for': ipOf(i) },
          };
        },
      },
    ],
  });
}

const answered = (result: autocannon.Result, status: number) =>
  (result.statusCodeStats as Record<string, { count: number }> | undefined)?.[String(status)]?.count ?? 0;

export async function benchTracking(): Promise<BenchRow[]> {
  const env = await startBenchEnvironment('tracking');
  const rows: BenchRow[] = [];
  try {
    const codec = new TokenCodec(BENCH_SECRETS.TRACKING_SIGNING_SECRET);
    const ids: { id: string }[] = await env.db.query(
      `INSERT INTO sends (org_id, sent_at, sender_id, contact_id, recipient_email, tracked, tracked_links)
       SELECT $1, now(), 'sender', 'contact-' || g, 'c' || g || '@example.com', true, 1 FROM generate_series(1, $2) g
       RETURNING id`,
      [ORG, SENDS],
    );
    await env.db.query(`INSERT INTO send_links (org_id, send_id, position, url) SELECT $1, id, 0, $2 FROM sends WHERE org_id = $1`, [ORG, LINK]);
    const pixelPaths = ids.map(({ id }) => `/track/open/${codec.encodeOpen(ORG, id)}.gif`);
    const clickPaths = ids.map(({ id }) => `/track/click/${codec.encodeClick(ORG, id, 0, LINK)}`);
    await env.server.close(); // the in-process server is not the one under load

    const bare = await startTarget(['bare', LINK], {});
    const barePixel = await load(bare.url, pixelPaths);
    const bareClick = await load(bare.url, clickPaths);
    await bare.stop();

    const app = await startTarget(['app'], {
      ...BENCH_SECRETS,
      DATABASE_URL: env.app.config.databaseUrl as string,
      TRUST_PROXY: '1',
      EMAIL_TRACKING_ENABLED: 'true',
      LOG_LEVEL: 'warn',
    });
    const pixel = await load(app.url, pixelPaths);
    const click = await load(app.url, clickPaths);
    const counters = await app.stop();

    const [found]: { opens: number; clicks: number }[] = await env.db.query(
      `SELECT count(*) FILTER (WHERE kind = 'OPEN')::int AS opens, count(*) FILTER (WHERE kind = 'CLICK')::int AS clicks
       FROM tracking_events WHERE org_id = $1 AND counted`,
      [ORG],
    );
    const pixelAnswers = answered(pixel, 200);
    const clickAnswers = answered(click, 302);
    rows.push(
      { name: 'bare node:http GIF', value: barePixel.requests.average, unit: 'req/s', goal: `baseline, p99 ${barePixel.latency.p99} ms` },
      { name: 'pixel /track/open', value: pixel.requests.average, unit: 'req/s', goal: `ratio ${(pixel.requests.average / barePixel.requests.average).toFixed(2)} (goal >= 0.6)` },
      { name: 'pixel p99', value: pixel.latency.p99, unit: 'ms', goal: '< 20 ms' },
      { name: 'bare node:http 302', value: bareClick.requests.average, unit: 'req/s', goal: `baseline, p99 ${bareClick.latency.p99} ms` },
      { name: 'redirect /track/click', value: click.requests.average, unit: 'req/s', goal: `ratio ${(click.requests.average / bareClick.requests.average).toFixed(2)} (goal >= 0.6)` },
      { name: 'redirect p99', value: click.latency.p99, unit: 'ms', goal: '< 20 ms' },
      // Requests still in flight when autocannon stops are answered and counted but not tallied by it.
      { name: 'pixel 200 answers / counted opens in DB', value: `${pixelAnswers} / ${found.opens}`, unit: 'events', goal: `lost ${Math.max(0, pixelAnswers - found.opens)} (goal 0)` },
      { name: 'redirect 302 answers / counted clicks in DB', value: `${clickAnswers} / ${found.clicks}`, unit: 'events', goal: `lost ${Math.max(0, clickAnswers - found.clicks)} (goal 0)` },
      { name: 'events dropped by the buffer bound', value: counters.dropped ?? 0, unit: 'events', goal: '0' },
      {
        name: 'backlog written after the load',
        value: counters.backlog ?? 0,
        unit: 'events',
        goal: `in ${((counters.backlogMs ?? 0) / 1000).toFixed(1)} s (${Math.round(((counters.backlog ?? 0) * 1000) / Math.max(1, counters.backlogMs ?? 1))} events/s); server RSS ${counters.rssMb ?? '?'} MB`,
      },
    );
    return rows;
  } finally {
    await env.close();
  }
}
