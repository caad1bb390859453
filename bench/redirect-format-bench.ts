// The redirect's throughput with the tokens of emails sent before issue 27
// (the first format) and with those minted now (the short one), on one
// server in one run: the tracking benchmark's load (tracking-load.ts) in
// bursts that alternate between the two, which one goes first swapping each
// round, the writer's backlog flushed after each. Issue 27's goal: short ÷
// first at least 0.95. Taken in one run, the ratio holds whatever the
// machine's speed; its spread over rounds says how far to trust it.
import { TokenCodec } from '../src/events/tokens';
import { firstFormatToken } from '../test/unit/helpers/first-format-tokens';
import { BENCH_SECRETS, insertBenchSends, settleWriterTables, startBenchEnvironment, trackingTargetEnv } from './environment';
import type { BenchRow } from './table';
import { LINK } from './tracking-bench';
import { load, type Traffic } from './tracking-load';
import { trackingSettings } from './tracking-settings';
import { startTarget } from './tracking-target-process';

const ROUNDS = Number(process.env.BENCH_REDIRECT_ROUNDS ?? 6);
const BURST_S = Number(process.env.BENCH_REDIRECT_SECONDS ?? 10);
const WARM_UP_S = 3;
const ORG = 'bench-redirect-formats';
const GOAL = 0.95;

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Answers other than the redirect, and requests that got no answer. */
function notRedirected(result: Awaited<ReturnType<typeof load>>['result']): number {
  const byStatus = (result.statusCodeStats ?? {}) as Record<string, { count: number }>;
  const others = Object.entries(byStatus).filter(([status]) => status !== '302');
  return others.reduce((sum, [, { count }]) => sum + count, result.errors + result.timeouts);
}

export async function benchRedirectFormats(): Promise<BenchRow[]> {
  if (!(Number.isInteger(ROUNDS) && ROUNDS >= 2 && BURST_S > 0)) throw new Error('BENCH_REDIRECT_ROUNDS must be an integer >= 2, BENCH_REDIRECT_SECONDS positive');
  const settings = trackingSettings();
  const env = await startBenchEnvironment('redirect_formats');
  try {
    const secret = BENCH_SECRETS.TRACKING_SIGNING_SECRET;
    const codec = new TokenCodec(secret);
    const ids = await insertBenchSends(env.db, ORG, settings.sends, LINK);
    const { userAgents } = settings;
    const formats: { label: string; traffic: Traffic }[] = [
      { label: 'first format', traffic: { userAgents, paths: ids.map((id) => `/track/click/${firstFormatToken(secret, 'click', ORG, id, { position: 0, url: LINK })}`) } },
      { label: 'short format', traffic: { userAgents, paths: ids.map((id) => `/track/click/${codec.encodeClick(ORG, id, 0, LINK)}`) } },
    ];
    await env.server.close(); // the in-process server is not the one under load
    await settleWriterTables(env.db);
    const app = await startTarget(['app'], trackingTargetEnv(env, settings.nodeEnv));
    for (const format of formats) await load(app.url, format.traffic, WARM_UP_S);
    await app.flush();
    await settleWriterTables(env.db);

    const rates = formats.map(() => [] as number[]);
    let unanswered = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order) {
        const { result } = await load(app.url, formats[index]!.traffic, BURST_S);
        rates[index]!.push(result.requests.average);
        unanswered += notRedirected(result);
        await app.flush();
      }
    }
    await app.stop();

    const [first, short] = rates.map(median) as [number, number];
    const ratios = rates[0]!.map((rate, round) => rates[1]![round]! / rate);
    const spread = `rounds' ratios ${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)}`;
    const tokenLength = (traffic: Traffic) => traffic.paths[0]!.length - '/track/click/'.length;
    return [
      settings.row,
      { name: `redirect, first-format tokens (${tokenLength(formats[0]!.traffic)} characters), median of ${ROUNDS} bursts of ${BURST_S} s`, value: first, unit: 'req/s', goal: 'the baseline: emails sent before issue 27' },
      { name: `redirect, short-format tokens (${tokenLength(formats[1]!.traffic)} characters), the same bursts in turn`, value: short, unit: 'req/s', goal: '' },
      { name: 'redirect throughput short ÷ first', value: short / first, unit: 'ratio', goal: `>= ${GOAL} (issue 27); ${spread}` },
      { name: 'redirect answers other than 302', value: unanswered, unit: 'requests', goal: '0: both formats redirect' },
    ];
  } finally {
    await env.close();
  }
}
