// Stats query latency (contract section 9): one organisation of 1,000,000
// sends and 5,000,000 events (BENCH_STATS_SENDS scales it down), then p50 and
// p95 of the portal's queries through the real /graphql endpoint over HTTP,
// for ALL_TIME and LAST_30_DAYS, as an admin and as a partner.
import { signToken } from '../src/auth/jwt';
import { generateStatsData } from '../src/stats/generate-data';
import { BENCH_SECRETS, startBenchEnvironment } from './environment';
import type { BenchRow } from './table';

const ORG = 'bench-stats';
const WARMUP = 10;
const SAMPLES = 100;
const GOAL = 'p95 <= 100 ms';

const STATS = 'sends opened clicked failed opens clicks mppOpens openRate clickRate humanOpenRate mppShare lastSentAt';

/** What the portal asks: the four cards, the campaigns and templates pages, one campaign's page. */
const QUERIES: Record<string, string> = {
  overview: `query ($range: RangeInput) { overview(range: $range) { ${STATS} } }`,
  'campaigns with stats': `query ($range: RangeInput) { campaigns(range: $range) { id name stats { ${STATS} } } }`,
  'templates with stats': `query ($range: RangeInput) { templates(range: $range) { id name stats { ${STATS} } } }`,
  'campaign drill-down': `query ($range: RangeInput, $id: ID!) { campaign(id: $id) { id name
    stats(range: $range) { ${STATS} }
    links(range: $range) { url clicks uniqueClicks }
    templates(range: $range) { template { id name } stats { ${STATS} } }
    recipients(range: $range, limit: 50) { sendId contactId email sentAt opens clicks mppOpens firstOpenedAt lastClickedAt } } }`,
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timeQuery(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { errors?: { message: string }[] };
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (body.errors) throw new Error(`stats query failed: ${body.errors[0].message}`);
  return elapsed;
}

/** p50 and p95 of every query, range and role, measured one request at a time. */
export async function measureStatsQueries(url: string, tokens: Record<string, string>, campaignId: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [name, query] of Object.entries(QUERIES)) {
    for (const preset of ['ALL_TIME', 'LAST_30_DAYS']) {
      for (const [role, token] of Object.entries(tokens)) {
        const variables = { range: { preset }, id: campaignId };
        for (let i = 0; i < WARMUP; i++) await timeQuery(url, token, query, variables);
        const samples: number[] = [];
        for (let i = 0; i < SAMPLES; i++) samples.push(await timeQuery(url, token, query, variables));
        samples.sort((a, b) => a - b);
        const label = `stats ${name}, ${preset}, ${role}`;
        rows.push({ name: `${label} p50`, value: percentile(samples, 50), unit: 'ms', goal: 'reference' });
        rows.push({ name: `${label} p95`, value: percentile(samples, 95), unit: 'ms', goal: GOAL });
      }
    }
  }
  return rows;
}

export async function benchStats(): Promise<BenchRow[]> {
  const sends = Number(process.env.BENCH_STATS_SENDS ?? 1_000_000);
  if (!Number.isInteger(sends) || sends < 1000) throw new Error('BENCH_STATS_SENDS must be an integer of at least 1000');
  const env = await startBenchEnvironment('stats');
  try {
    const started = Date.now();
    const data = await generateStatsData(env.db, { orgId: ORG, sends, events: sends * 5, days: 365, campaigns: 200, templates: 50, senders: 20 });
    const seconds = (Date.now() - started) / 1000;
    const tokens = {
      admin: await signToken({ orgId: ORG, userId: 'bench-admin', role: 'admin' }, BENCH_SECRETS.AUTH_JWT_SECRET),
      partner: await signToken({ orgId: ORG, userId: data.senderIds[0], role: 'partner' }, BENCH_SECRETS.AUTH_JWT_SECRET),
    };
    // campaign-001 is the busiest campaign of the generated set: the drill-down's worst case.
    const measured = await measureStatsQueries(env.url, tokens, data.campaignIds[0]);
    return [
      {
        name: `stats data set: ${data.sends.toLocaleString('en-US')} sends, ${data.events.toLocaleString('en-US')} events, ${data.links.toLocaleString('en-US')} links`,
        value: Math.round(seconds * 10) / 10,
        unit: 's to generate',
        goal: 'well under 120 s',
      },
      ...measured,
    ];
  } finally {
    await env.close();
  }
}
