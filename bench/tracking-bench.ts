// The pixel and the redirect under load (autocannon, 50 connections, every
// request from a distinct X-Forwarded-For, real user agents and a server in
// production mode: tracking-settings.ts), next to a bare node:http server
// answering the same bytes in the same run: a 10 s burst and a 60 s
// sustained load per route, each followed by how long its backlog took to
// reach PostgreSQL; the events written per second during the load, the peak
// RSS, and the counted events found in the database against the answers.
// Each load also runs on the application with the machine rules off (user
// agents, networks, BURST, TRAP, the cross-source take-back), so what the
// rules cost is read in the same run (issue 15: within 10 %); which of the
// two goes first alternates from one load to the next.
import { TokenCodec } from '../src/events/tokens';
import { BENCH_SECRETS, insertBenchSends, settleWriterTables, startBenchEnvironment, trackingTargetEnv } from './environment';
import type { BenchRow } from './table';
import { answered, load, processCpuSeconds, type Load, type Traffic } from './tracking-load';
import { trackingSettings } from './tracking-settings';
import { startTarget, type Target } from './tracking-target-process';

const BURST_S = Number(process.env.BENCH_TRACKING_BURST_SECONDS ?? 10);
const SUSTAINED_S = Number(process.env.BENCH_TRACKING_SUSTAINED_SECONDS ?? 60);
const WARM_UP_S = 3;
const ORG = 'bench-tracking';
/** The link every send's click goes to; the redirect-formats benchmark uses it too. */
export const LINK = 'https://example.com/landing?utm_source=bench&utm_medium=email';

const settle = settleWriterTables;

interface RouteRun {
  label: string;
  /** a sustained load (goal 0.6, its backlog within 10 s) or a burst (goal 0.7), whatever their lengths */
  sustained: boolean;
  seconds: number;
  bare: Load;
  app: Load;
  /** events written during the load, per second */
  writtenPerSecond: number;
  /** share of the load the event loop was busy enough for writing to wait */
  busyPercent: number;
  cpuUsPerAnswer: number;
  backlog: number;
  backlogMs: number;
  peakRssMb: number;
}

/** One load on the application: answers, the events written while it ran, and then the backlog written after it. */
async function loadApplication(app: Target, traffic: Traffic, seconds: number) {
  const before = await app.mark();
  const cpuBefore = processCpuSeconds(app.pid);
  const measured = await load(app.url, traffic, seconds);
  const cpu = processCpuSeconds(app.pid) - cpuBefore;
  const during = await app.mark();
  const drained = await app.flush();
  return {
    measured,
    /** the server process's CPU during the load (answering, and writing when it wrote), per request answered */
    cpuUsPerAnswer: Math.round((1e6 * cpu) / Math.max(1, measured.result.requests.total)),
    writtenPerSecond: Math.round((during.written - before.written) / seconds),
    busyPercent: during.busyPercent,
    backlog: drained.backlog,
    backlogMs: drained.backlogMs,
    peakRssMb: Math.max(during.peakRssMb, (await app.mark()).peakRssMb),
  };
}

const loadName = (run: { label: string; sustained: boolean; seconds: number }) => `${run.label}, ${run.sustained ? 'sustained' : 'burst'} ${run.seconds} s`;

function rowsOf(run: RouteRun, status: number): BenchRow[] {
  const ratio = run.app.result.requests.average / run.bare.result.requests.average;
  const goal = run.sustained ? 0.6 : 0.7;
  const name = loadName(run);
  return [
    { name: `bare node:http, ${name}`, value: run.bare.result.requests.average, unit: 'req/s', goal: `baseline, p99 ${run.bare.result.latency.p99} ms, steal ${run.bare.stealPercent}%` },
    { name, value: run.app.result.requests.average, unit: 'req/s', goal: `ratio ${ratio.toFixed(2)} (goal >= ${goal}), steal ${run.app.stealPercent}%, server CPU ${run.cpuUsPerAnswer} µs/answer` },
    { name: `${name}: p99`, value: run.app.result.latency.p99, unit: 'ms', goal: '< 20 ms' },
    ...writingRows(name, run, status),
    { name: `${name}: server RSS at the peak`, value: run.peakRssMb, unit: 'MB', goal: '' },
  ];
}

function writingRows(name: string, run: Omit<RouteRun, 'bare'>, status: number): BenchRow[] {
  return [
    { name: `${name}: events written during the load`, value: run.writtenPerSecond, unit: 'ev/s', goal: `answers ${Math.round(answered(run.app.result, status) / run.seconds)}/s; loop busy (writing waits) ${run.busyPercent}% of it` },
    {
      name: `${name}: backlog in PostgreSQL after the load`,
      value: run.backlogMs / 1000,
      unit: 's',
      goal: `${run.backlog.toLocaleString('en-US')} events${run.sustained ? ' (goal <= 10 s)' : ''}`,
    },
  ];
}

/** The same load without the machine rules, and what the rules cost against it. */
function baselineRows(run: RouteRun, plain: Omit<RouteRun, 'bare'>, status: number): BenchRow[] {
  const name = `${loadName(run)}, machine rules off`;
  const share = (ruled: number, unruled: number) => (unruled > 0 ? (ruled / unruled).toFixed(2) : 'n/a');
  return [
    {
      name,
      value: plain.app.result.requests.average,
      unit: 'req/s',
      goal: `ratio ${(plain.app.result.requests.average / run.bare.result.requests.average).toFixed(2)}; rules on/off ${share(run.app.result.requests.average, plain.app.result.requests.average)} (goal >= 0.9), steal ${plain.app.stealPercent}%`,
    },
    { name: `${name}: p99`, value: plain.app.result.latency.p99, unit: 'ms', goal: `rules on ${run.app.result.latency.p99} ms` },
    ...writingRows(name, plain, status).map((row, index) =>
      index === 0
        ? { ...row, goal: `${row.goal}; rules on/off ${share(run.writtenPerSecond, plain.writtenPerSecond)} (goal >= 0.9)` }
        : { ...row, goal: `${row.goal}; drain rate rules on/off ${share(run.backlog / Math.max(1, run.backlogMs), plain.backlog / Math.max(1, plain.backlogMs))}` },
    ),
  ];
}

/** Events a second a drain wrote, with nothing else running. */
const drainRate = (run: { backlog: number; backlogMs: number }) => Math.round(run.backlog / Math.max(0.001, run.backlogMs / 1000));

/**
 * The writer throughput, on an idle machine, that both sustained goals need
 * together (a ratio of 0.6 and the backlog written within 10 s), from this
 * run's figures: answering at 0.6 of the bare server takes that share of the
 * answering capacity (the burst, where writing waits), the rest of the 60 s
 * and the 10 s after are left for writing. A model, linear in CPU share.
 */
function neededDrainRate(bare: number, burstAnswers: number): number {
  const answers = 0.6 * bare;
  const answeringShare = Math.min(1, answers / Math.max(1, burstAnswers));
  return Math.round((answers * SUSTAINED_S) / ((1 - answeringShare) * SUSTAINED_S + 10));
}

/** The floor: the same sustained load on a writer that stores the raw events and does nothing else. */
function floorRows(label: string, figures: { bare: Load; burstAnswers: number; drainRate: number }, floor: Awaited<ReturnType<typeof loadApplication>>, status: number): BenchRow[] {
  const name = `${label}, sustained ${SUSTAINED_S} s, append-only writer (floor)`;
  const bare = figures.bare.result.requests.average;
  return [
    { name, value: floor.measured.result.requests.average, unit: 'req/s', goal: `ratio ${(floor.measured.result.requests.average / bare).toFixed(2)} (bare of the same run), steal ${floor.measured.stealPercent}%` },
    ...writingRows(name, { ...floor, label, sustained: true, seconds: SUSTAINED_S, app: floor.measured }, status),
    {
      name: `${label}, sustained ${SUSTAINED_S} s: writer throughput both goals need`,
      value: neededDrainRate(bare, figures.burstAnswers),
      unit: 'ev/s',
      goal: `drains measured: full writer ${figures.drainRate.toLocaleString('en-US')}, append-only ${drainRate(floor).toLocaleString('en-US')}`,
    },
  ];
}

export async function benchTracking(): Promise<BenchRow[]> {
  const settings = trackingSettings();
  const env = await startBenchEnvironment('tracking');
  const rows: BenchRow[] = [settings.row];
  try {
    const codec = new TokenCodec(BENCH_SECRETS.TRACKING_SIGNING_SECRET);
    const ids = await insertBenchSends(env.db, ORG, settings.sends, LINK);
    const { userAgents } = settings;
    const routes = [
      { label: 'pixel /track/open', status: 200, traffic: { userAgents, paths: ids.map((id) => `/track/open/${codec.encodeOpen(ORG, id)}.gif`) } },
      { label: 'redirect /track/click', status: 302, traffic: { userAgents, paths: ids.map((id) => `/track/click/${codec.encodeClick(ORG, id, 0, LINK)}`) } },
    ];
    await env.server.close(); // the in-process server is not the one under load
    await settle(env.db);

    const targetEnv = trackingTargetEnv(env, settings.nodeEnv);
    const app = await startTarget(['app'], targetEnv);
    const appWithoutRules = await startTarget(['app-no-rules'], targetEnv);
    // Neither is measured cold: a short load each (JIT, pools, first partition pages), written out before the runs.
    for (const target of [app, appWithoutRules]) {
      await load(target.url, routes[0].traffic, WARM_UP_S);
      await target.flush();
    }
    await settle(env.db);
    const answers = { 200: 0, 302: 0 };
    const sustained = new Map<string, { bare: Load; burstAnswers: number; drainRate: number }>();
    let turn = 0;
    for (const route of routes) {
      let burstAnswers = 0;
      // By kind, not by length: a smoke run may give both loads the same seconds.
      for (const { sustained: isSustained, seconds } of [{ sustained: false, seconds: BURST_S }, { sustained: true, seconds: SUSTAINED_S }]) {
        const bareTarget = await startTarget(['bare', LINK], {});
        const bare = await load(bareTarget.url, route.traffic, seconds);
        await bareTarget.stop();
        // Which of the two goes first alternates: the later load meets bigger tables.
        const loadEach = async (target: Target) => {
          const result = await loadApplication(target, route.traffic, seconds);
          answers[route.status as 200 | 302] += answered(result.measured.result, route.status);
          await settle(env.db);
          return result;
        };
        const rulesFirst = turn++ % 2 === 0;
        const first = await loadEach(rulesFirst ? app : appWithoutRules);
        const second = await loadEach(rulesFirst ? appWithoutRules : app);
        const [run, plain] = rulesFirst ? [first, second] : [second, first];
        const measured = { label: route.label, sustained: isSustained, seconds, bare, app: run.measured, ...run };
        rows.push(...rowsOf(measured, route.status), ...baselineRows(measured, { ...measured, app: plain.measured, ...plain }, route.status));
        if (!isSustained) burstAnswers = run.measured.result.requests.average;
        else sustained.set(route.label, { bare, burstAnswers, drainRate: drainRate(run) });
      }
    }
    const counters = await app.stop();
    const plainCounters = await appWithoutRules.stop();
    const [found]: { opens: number; clicks: number }[] = await env.db.query(
      `SELECT count(*) FILTER (WHERE kind = 'OPEN')::int AS opens, count(*) FILTER (WHERE kind = 'CLICK')::int AS clicks
       FROM tracking_events WHERE org_id = $1 AND counted`,
      [ORG],
    );
    rows.push(
      // Requests still in flight when autocannon stops are answered and counted but not tallied by it.
      { name: 'pixel 200 answers / counted opens in DB', value: `${answers[200]} / ${found.opens}`, unit: 'events', goal: `lost ${Math.max(0, answers[200] - found.opens)} (goal 0)` },
      { name: 'redirect 302 answers / counted clicks in DB', value: `${answers[302]} / ${found.clicks}`, unit: 'events', goal: `lost ${Math.max(0, answers[302] - found.clicks)} (goal 0)` },
      { name: 'events dropped at the journal bound', value: (counters.dropped ?? 0) + (plainCounters.dropped ?? 0), unit: 'events', goal: '0' },
    );
    // Last, so its events are not among those counted above.
    const floor = await startTarget(['app-append-only'], targetEnv);
    await load(floor.url, routes[0].traffic, WARM_UP_S);
    await floor.flush();
    for (const route of routes) {
      await settle(env.db);
      const figures = sustained.get(route.label);
      if (!figures) continue;
      rows.push(...floorRows(route.label, figures, await loadApplication(floor, route.traffic, SUSTAINED_S), route.status));
    }
    await floor.stop();
    return rows;
  } finally {
    await env.close();
  }
}
