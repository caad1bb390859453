// Breakdown query latency (contract sections 10 and 13): on the generated
// data set (1,000,000 sends by default, BENCH_STATS_SENDS scales it), p50 and
// p95 of `breakdown` by each dimension over the last 90 days, for the whole
// organisation and for its largest campaign, as an admin and as a partner,
// through the real /graphql endpoint. Goal: p95 <= 100 ms. The baseline: the
// organisation's by the raw aggregate over its sends, which the rollups of
// providers and domains replace (clients and devices still read it).
import type { DataSource } from 'typeorm';
import { signToken } from '../src/auth/jwt';
import { breakdownSums } from '../src/stats/breakdown.repository';
import { BREAKDOWN_DIMENSIONS, type BreakdownDimension } from '../src/stats/breakdowns';
import { presetRange } from '../src/stats/range';
import { generateStatsData } from '../src/stats/generate-data';
import { BENCH_SECRETS, startBenchEnvironment } from './environment';
import { latencyRows, sample } from './stats-bench';
import type { BenchRow } from './table';

const ORG = 'bench-breakdowns';
const ROW = 'key sends opened clicked openRate clickRate humanOpenRate opens clicks mppOpens';
const QUERIES = {
  organisation: `query ($by: BreakdownDimension!) { breakdown(by: $by, range: { preset: LAST_90_DAYS }) { ${ROW} } }`,
  'largest campaign': `query ($by: BreakdownDimension!, $id: ID!) { campaign(id: $id) { breakdown(by: $by, range: { preset: LAST_90_DAYS }) { ${ROW} } } }`,
};

/** Runs of the raw aggregate per dimension: a few, it takes seconds on a million sends. */
const RAW_RUNS = 3;

/** The organisation's 90 days by the raw aggregate, straight on the database: the median of a few runs. */
async function rawBaseline(db: DataSource, by: BreakdownDimension): Promise<BenchRow> {
  const times: number[] = [];
  for (let run = 0; run < RAW_RUNS; run++) {
    const started = performance.now();
    await breakdownSums(db, { orgId: ORG, senderId: null }, 'all', presetRange('LAST_90_DAYS', new Date()), by, [''], 20);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { name: `breakdown ${by}, organisation, LAST_90_DAYS, raw aggregate (baseline) median`, value: times[Math.floor(RAW_RUNS / 2)], unit: 'ms', goal: 'baseline' };
}

/** The campaign with the most sends in the last 90 days. */
async function largestCampaign(db: DataSource): Promise<{ id: string; sends: number }> {
  const [row]: { id: string; sends: number }[] = await db.query(
    `SELECT campaign_id AS id, count(*)::int AS sends FROM sends
     WHERE org_id = $1 AND campaign_id IS NOT NULL AND sent_at >= now() - interval '90 days' GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
    [ORG],
  );
  return row!;
}

export async function benchBreakdowns(): Promise<BenchRow[]> {
  const sends = Number(process.env.BENCH_STATS_SENDS ?? 1_000_000);
  if (!Number.isInteger(sends) || sends < 1000) throw new Error('BENCH_STATS_SENDS must be an integer of at least 1000');
  const env = await startBenchEnvironment('breakdowns');
  try {
    const started = Date.now();
    const data = await generateStatsData(env.db, { orgId: ORG, sends, events: sends * 5, days: 365, campaigns: 200, templates: 50, senders: 20 });
    const seconds = (Date.now() - started) / 1000;
    const campaign = await largestCampaign(env.db);
    const tokens = {
      admin: await signToken({ orgId: ORG, userId: 'bench-admin', role: 'admin' }, BENCH_SECRETS.AUTH_JWT_SECRET),
      partner: await signToken({ orgId: ORG, userId: data.senderIds[0], role: 'partner' }, BENCH_SECRETS.AUTH_JWT_SECRET),
    };
    const rows: BenchRow[] = [
      {
        name: `breakdown data set: ${data.sends.toLocaleString('en-US')} sends, ${data.events.toLocaleString('en-US')} events; largest campaign ${campaign.id}, ${campaign.sends.toLocaleString('en-US')} sends in 90 days`,
        value: Math.round(seconds * 10) / 10,
        unit: 's to generate',
        goal: 'reference',
      },
    ];
    for (const by of BREAKDOWN_DIMENSIONS) {
      for (const [view, query] of Object.entries(QUERIES)) {
        for (const [role, token] of Object.entries(tokens)) {
          rows.push(...latencyRows(`breakdown ${by}, ${view}, LAST_90_DAYS, ${role}`, await sample(env.url, token, query, { by, id: campaign.id })));
        }
      }
      rows.push(await rawBaseline(env.db, by));
    }
    return rows;
  } finally {
    await env.close();
  }
}
