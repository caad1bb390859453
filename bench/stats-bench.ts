// Stats query latency (contract section 9): one organisation of 1,000,000
// sends and 5,000,000 events (BENCH_STATS_SENDS scales it down), then p50 and
// p95 of the portal's queries through the real /graphql endpoint over HTTP,
// for ALL_TIME and LAST_30_DAYS, as an admin and as a partner; the timelines
// of the overview and of the busiest campaign (HOUR over 3 days, DAY over 90
// days); and every page of the busiest campaign's recipients. Then the same
// on a Citus cluster.
import { signToken } from '../src/auth/jwt';
import { generateStatsData } from '../src/stats/generate-data';
import { onBenchCluster } from './citus-cluster';
import { BENCH_SECRETS, startBenchEnvironment, type BenchEnvironment } from './environment';
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

const POINT = 'at opens clicks mppOpens botOpens botClicks';
const TIMELINES: Record<string, string> = {
  overview: `query ($range: RangeInput, $granularity: Granularity) { timeline(range: $range, granularity: $granularity) { ${POINT} } }`,
  campaign: `query ($range: RangeInput, $granularity: Granularity, $id: ID!) {
    campaign(id: $id) { timeline(range: $range, granularity: $granularity) { ${POINT} } } }`,
};
const RECIPIENTS = `query ($id: ID!, $after: String) { campaign(id: $id) {
  recipients(range: { preset: ALL_TIME }, limit: 1000, after: $after) { cursor sendId email sentAt opens clicks mppOpens } } }`;
const PAGING_PASSES = 3;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function runQuery<T = unknown>(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<{ ms: number; data: T }> {
  const started = process.hrtime.bigint();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: { message: string }[] };
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (body.errors) throw new Error(`stats query failed: ${body.errors[0].message}`);
  return { ms, data: body.data };
}

const timeQuery = async (url: string, token: string, query: string, variables: Record<string, unknown>) => (await runQuery(url, token, query, variables)).ms;

export function latencyRows(label: string, samples: number[]): BenchRow[] {
  samples.sort((a, b) => a - b);
  return [
    { name: `${label} p50`, value: percentile(samples, 50), unit: 'ms', goal: 'reference' },
    { name: `${label} p95`, value: percentile(samples, 95), unit: 'ms', goal: GOAL },
  ];
}

export async function sample(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await timeQuery(url, token, query, variables);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) samples.push(await timeQuery(url, token, query, variables));
  return samples;
}

/** The timelines of the overview and of one campaign, HOUR over the last 3 days and DAY over the last 90. */
export async function measureTimelines(url: string, tokens: Record<string, string>, campaignId: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const spans = [
    { label: 'HOUR over 3 days', granularity: 'HOUR', range: () => ({ from: new Date(Date.now() - 3 * 86_400_000).toISOString() }) },
    { label: 'DAY over 90 days', granularity: 'DAY', range: () => ({ preset: 'LAST_90_DAYS' }) },
  ];
  for (const [name, query] of Object.entries(TIMELINES)) {
    for (const span of spans) {
      for (const [role, token] of Object.entries(tokens)) {
        const samples = await sample(url, token, query, { range: span.range(), granularity: span.granularity, id: campaignId });
        rows.push(...latencyRows(`stats timeline ${name}, ${span.label}, ${role}`, samples));
      }
    }
  }
  return rows;
}

type RecipientsPage = { campaign: { recipients: { cursor: string }[] } };

/** Every page (1,000 rows) of a campaign's recipients, ALL_TIME, newest first, a few passes: the latency of each page. */
export async function measurePaging(url: string, tokens: Record<string, string>, campaignId: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [role, token] of Object.entries(tokens)) {
    const samples: number[] = [];
    let recipients = 0;
    for (let pass = 0; pass < PAGING_PASSES; pass++) {
      let after: string | null = null;
      recipients = 0;
      for (;;) {
        const { ms, data }: { ms: number; data: RecipientsPage } = await runQuery<RecipientsPage>(url, token, RECIPIENTS, { id: campaignId, after });
        const page: { cursor: string }[] = data.campaign.recipients;
        samples.push(ms);
        recipients += page.length;
        if (page.length < 1000) break;
        after = page[page.length - 1].cursor;
      }
    }
    rows.push(...latencyRows(`stats recipients of ${campaignId}, every page of 1,000 (${recipients.toLocaleString('en-US')} rows), ${role}`, samples));
  }
  return rows;
}

/** p50 and p95 of every query, range and role, measured one request at a time. */
export async function measureStatsQueries(url: string, tokens: Record<string, string>, campaignId: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [name, query] of Object.entries(QUERIES)) {
    for (const preset of ['ALL_TIME', 'LAST_30_DAYS']) {
      for (const [role, token] of Object.entries(tokens)) {
        const samples = await sample(url, token, query, { range: { preset }, id: campaignId });
        rows.push(...latencyRows(`stats ${name}, ${preset}, ${role}`, samples));
      }
    }
  }
  return rows;
}

/** Generates the data set on `env`'s database and measures every query there; `where` names the database in the rows. */
async function measureOn(env: BenchEnvironment, sends: number, where: string): Promise<BenchRow[]> {
  const started = Date.now();
  const data = await generateStatsData(env.db, { orgId: ORG, sends, events: sends * 5, days: 365, campaigns: 200, templates: 50, senders: 20 });
  const seconds = (Date.now() - started) / 1000;
  const tokens = {
    admin: await signToken({ orgId: ORG, userId: 'bench-admin', role: 'admin' }, BENCH_SECRETS.AUTH_JWT_SECRET),
    partner: await signToken({ orgId: ORG, userId: data.senderIds[0], role: 'partner' }, BENCH_SECRETS.AUTH_JWT_SECRET),
  };
  // campaign-001 is the busiest campaign of the generated set: the drill-down's worst case.
  const measured = [
    ...(await measureStatsQueries(env.url, tokens, data.campaignIds[0])),
    ...(await measureTimelines(env.url, tokens, data.campaignIds[0])),
    ...(await measurePaging(env.url, tokens, data.campaignIds[0])),
  ];
  return [
    {
      name: `stats data set${where}: ${data.sends.toLocaleString('en-US')} sends, ${data.events.toLocaleString('en-US')} events, ${data.links.toLocaleString('en-US')} links`,
      value: Math.round(seconds * 10) / 10,
      unit: 's to generate',
      goal: 'well under 120 s',
    },
    ...measured.map((row) => ({ ...row, name: row.name.replace(/^stats /, `stats${where} `) })),
  ];
}

/**
 * The same on a Citus cluster (BENCH_CITUS_URL's, or a coordinator and two
 * workers started for the run): the organisation's rows all live on one
 * shard group on one worker, so a query is the single node's plus the
 * coordinator's planning and its round trip to that worker.
 */
async function measureOnCitus(sends: number): Promise<BenchRow[]> {
  return onBenchCluster('stats on Citus', async (adminUrl) => {
    const env = await startBenchEnvironment('stats_citus', {}, { adminUrl });
    try {
      return await measureOn(env, sends, ' on Citus');
    } finally {
      await env.close();
    }
  });
}

export async function benchStats(): Promise<BenchRow[]> {
  const sends = Number(process.env.BENCH_STATS_SENDS ?? 1_000_000);
  if (!Number.isInteger(sends) || sends < 1000) throw new Error('BENCH_STATS_SENDS must be an integer of at least 1000');
  const env = await startBenchEnvironment('stats');
  let rows: BenchRow[];
  try {
    rows = await measureOn(env, sends, '');
  } finally {
    await env.close();
  }
  return [...rows, ...(await measureOnCitus(sends))];
}
