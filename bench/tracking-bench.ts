// The pixel and the redirect under load (autocannon, 50 connections, every
// request from a distinct X-Forwarded-For), next to a bare node:http server
// answering the same bytes in the same run; then the counted events found in
// the database against the answers given.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import type { DataSource } from 'typeorm';
import { TokenCodec } from '../src/events/tokens';
import { BENCH_SECRETS, settleDatabase, startBenchEnvironment } from './environment';
import type { BenchRow } from './table';

const DURATION_S = Number(process.env.BENCH_TRACKING_SECONDS ?? 10);
const SENDS = 50_000;
const ORG = 'bench-tracking';
const LINK = 'https://example.com/landing?utm_source=bench&utm_medium=email';

interface Target {
  url: string;
  /** writes the backlog of the load so far; resolves with its size and how long it took */
  flush(): Promise<Record<string, number>>;
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
      const reply = (line: RegExp, signal: NodeJS.Signals) =>
        new Promise<Record<string, number>>((done) => {
          output = '';
          const listen = () => {
            const answer = line.exec(output);
            if (!answer) return;
            child.stdout?.off('data', listen);
            done(JSON.parse(answer[1]) as Record<string, number>);
          };
          child.stdout?.on('data', listen);
          child.kill(signal);
        });
      resolve({ url: ready[1], flush: () => reply(/FLUSHED (.*)\n/, 'SIGUSR2'), stop: () => reply(/DONE (.*)\n/, 'SIGTERM') });
    });
  });
}

function ipOf(n: number): string {
  return `${10 + ((n >>> 24) % 200)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The machine's CPU time so far, from /proc/stat: all of it, and what the hypervisor gave other guests (steal). */
function cpuTimes(): { total: number; steal: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((sum, value) => sum + value, 0), steal: fields[7] ?? 0 };
}

interface Load {
  result: autocannon.Result;
  /** share of the CPU time taken by other guests of the host during the load: the larger, the noisier the numbers */
  stealPercent: number;
}

async function load(url: string, paths: string[]): Promise<Load> {
  const before = cpuTimes();
  const result = await generate(url, paths);
  const after = cpuTimes();
  return { result, stealPercent: Math.round((100 * (after.steal - before.steal)) / Math.max(1, after.total - before.total)) };
}

function generate(url: string, paths: string[]): Promise<autocannon.Result> {
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

/** Events the recorder held back while the load kept the event loop busy, and how fast they were written after. */
function backlogRow(name: string, report: Record<string, number>, note: string): BenchRow {
  const events = report.backlog ?? 0;
  const ms = report.backlogMs ?? 0;
  return { name, value: events, unit: 'events', goal: `in ${(ms / 1000).toFixed(1)} s (${Math.round((events * 1000) / Math.max(1, ms))} events/s)${note}` };
}

const settle = (db: DataSource) => settleDatabase(db, ['sends', 'send_links', 'tracking_events']);

/** A route's requests/s and p99 next to the bare server's, each with the CPU steal seen during its load. */
function routeRows(bytes: string, route: string, bare: Load, app: Load): BenchRow[] {
  const ratio = app.result.requests.average / bare.result.requests.average;
  return [
    { name: `bare node:http ${bytes}`, value: bare.result.requests.average, unit: 'req/s', goal: `baseline, p99 ${bare.result.latency.p99} ms, steal ${bare.stealPercent}%` },
    { name: route, value: app.result.requests.average, unit: 'req/s', goal: `ratio ${ratio.toFixed(2)} (goal >= 0.6), steal ${app.stealPercent}%` },
    { name: `${route.split(' ')[0]} p99`, value: app.result.latency.p99, unit: 'ms', goal: '< 20 ms' },
  ];
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
    await settle(env.db);

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
    const pixelBacklog = await app.flush();
    await settle(env.db);
    const click = await load(app.url, clickPaths);
    const counters = await app.stop();

    const [found]: { opens: number; clicks: number }[] = await env.db.query(
      `SELECT count(*) FILTER (WHERE kind = 'OPEN')::int AS opens, count(*) FILTER (WHERE kind = 'CLICK')::int AS clicks
       FROM tracking_events WHERE org_id = $1 AND counted`,
      [ORG],
    );
    const pixelAnswers = answered(pixel.result, 200);
    const clickAnswers = answered(click.result, 302);
    rows.push(
      ...routeRows('GIF', 'pixel /track/open', barePixel, pixel),
      ...routeRows('302', 'redirect /track/click', bareClick, click),
      // Requests still in flight when autocannon stops are answered and counted but not tallied by it.
      { name: 'pixel 200 answers / counted opens in DB', value: `${pixelAnswers} / ${found.opens}`, unit: 'events', goal: `lost ${Math.max(0, pixelAnswers - found.opens)} (goal 0)` },
      { name: 'redirect 302 answers / counted clicks in DB', value: `${clickAnswers} / ${found.clicks}`, unit: 'events', goal: `lost ${Math.max(0, clickAnswers - found.clicks)} (goal 0)` },
      { name: 'events dropped by the buffer bound', value: counters.dropped ?? 0, unit: 'events', goal: '0' },
      backlogRow('pixel backlog written after its load', pixelBacklog, ''),
      backlogRow('redirect backlog written after its load', counters, `; server RSS ${counters.rssMb ?? '?'} MB`),
    );
    return rows;
  } finally {
    await env.close();
  }
}
