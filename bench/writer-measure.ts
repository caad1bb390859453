// The event writer alone, as the writer benchmark measures it: batches of
// opens and of clicks (each from a client not seen before, round-robin over
// 50,000 sends, as the tracking benchmark sends them) written through
// writeEvents in one transaction each, as one lane of the recorder writes
// them, timed as a whole, in the writer's Node CPU, and statement by
// statement as the writer waits on each. Shared by the single-node and the
// Citus runs.
import { randomUUID } from 'node:crypto';
import { statementTiming, type TimedStatement } from '../src/db/statement-timing';
import type { EventKind, TrackingEventInput } from '../src/events/event';
import { defaultRecorderOptions } from '../src/events/recorder';
import { writeEvents } from '../src/events/write-events';
import { insertBenchSends, settleWriterTables, type BenchEnvironment } from './environment';
import type { BenchRow } from './table';

const SENDS = 50_000;
const BATCHES = Number(process.env.BENCH_WRITER_BATCHES ?? 40);
const WARM_UP_BATCHES = 3;
/** what one lane's transaction gets from a recorder batch */
export const BATCH = Math.ceil(defaultRecorderOptions.batchSize / defaultRecorderOptions.lanes);
const ORG = 'bench-writer';
/** enabled outbound webhook endpoints of the organisation: with any, every event written queues an outbox row (docs/outbound-webhooks.md) */
const ENDPOINTS = Number(process.env.BENCH_WRITER_ENDPOINTS ?? 0);
const LINK = 'https://example.com/landing?utm_source=bench&utm_medium=email';
/** Distinct user agents the events cycle through: the writer's parser caches 10,000, so after warm-up each is a cache hit. */
const USER_AGENTS = Number(process.env.BENCH_WRITER_USER_AGENTS ?? 5_000);
/** Real mail clients' user agents, each made distinct by a build number, as versions of one client differ. */
const USER_AGENT_FORMS = [
  (n: number) => `Mozilla/5.0 (iPhone; CPU iPhone OS 17_${n} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E${n}`,
  (n: number) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.${n}.0 Safari/537.36`,
  (n: number) => `Microsoft Office/16.0 (Microsoft Outlook 16.0.${n}; Pro), Mozilla/4.0 (compatible; ms-office; MSOffice 16)`,
  (n: number) => `Mozilla/5.0 (Linux; Android 14; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungEmail/6.1 Chrome/132.0.${n} Mobile Safari/537.36`,
];
const userAgentOf = (n: number) => {
  const distinct = n % USER_AGENTS;
  return USER_AGENT_FORMS[distinct % USER_AGENT_FORMS.length](Math.floor(distinct / USER_AGENT_FORMS.length));
};

export interface Variant {
  label: string;
  kind: EventKind;
  appendOnly: boolean;
  /** false: the writer parses no client (what parsing costs is the difference) */
  clientParsing?: boolean;
}

export const VARIANTS: Variant[] = [
  { label: 'opens', kind: 'OPEN', appendOnly: false },
  { label: 'opens, append-only', kind: 'OPEN', appendOnly: true },
  { label: 'clicks', kind: 'CLICK', appendOnly: false },
  { label: 'clicks, append-only', kind: 'CLICK', appendOnly: true },
];

/** The same writes without client parsing: the writer's drain rate with parsing ÷ without it is a goal of issue 26. */
export const UNPARSED_VARIANTS: Variant[] = [
  { label: 'opens, no client parsing', kind: 'OPEN', appendOnly: false, clientParsing: false },
  { label: 'clicks, no client parsing', kind: 'CLICK', appendOnly: false, clientParsing: false },
];

export interface Sample {
  wallUs: number;
  nodeUs: number;
  statements: Map<string, number>;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
};

export interface WriterMeasurement {
  samples: Map<string, Sample[]>;
  /** each variant's last batch, statement by statement */
  lastStatements: Map<string, TimedStatement[]>;
}

/** Writes the variants' batches, round-robin, on `env`'s database (sends already inserted), and times them. */
export async function measureWriter(env: BenchEnvironment, sends: string[], variants: Variant[]): Promise<WriterMeasurement> {
  let next = 0;
  const batchOf = (kind: EventKind): TrackingEventInput[] =>
    Array.from({ length: BATCH }, () => {
      const n = next++;
      return {
        orgId: ORG, sendId: sends[n % SENDS], kind, source: kind === 'OPEN' ? 'PIXEL' : 'REDIRECT', occurredAt: new Date(),
        countable: true, bot: false, botReason: null, mpp: false, linkPosition: kind === 'CLICK' ? 0 : null, url: kind === 'CLICK' ? LINK : null,
        userAgent: userAgentOf(n), ipHash: n.toString(16).padStart(32, '0'), id: randomUUID(),
      };
    });

  const samples = new Map<string, Sample[]>(variants.map((variant) => [variant.label, []]));
  const lastStatements = new Map<string, TimedStatement[]>();
  try {
    for (let round = 0; round < BATCHES + WARM_UP_BATCHES; round++) {
      for (const variant of variants) {
        const batch = batchOf(variant.kind);
        const statements = new Map<string, number>();
        const seen: TimedStatement[] = [];
        statementTiming.observe = (statement, ms) => {
          statements.set(statement.name, (statements.get(statement.name) ?? 0) + ms);
          seen.push(statement);
        };
        const cpu = process.cpuUsage();
        const started = performance.now();
        await env.db.transaction((db) => writeEvents(db, batch, { maybeRepeated: false, appendOnly: variant.appendOnly, clientParsing: variant.clientParsing }));
        const wallMs = performance.now() - started;
        const used = process.cpuUsage(cpu);
        statementTiming.observe = null;
        if (round < WARM_UP_BATCHES) continue;
        samples.get(variant.label)?.push({ wallUs: (1000 * wallMs) / BATCH, nodeUs: (used.user + used.system) / BATCH, statements });
        lastStatements.set(variant.label, seen);
      }
    }
  } finally {
    statementTiming.observe = null;
  }
  return { samples, lastStatements };
}

/** Sends of the writer benchmark's organisation, settled, on `env`'s database. */
export async function writerSends(env: BenchEnvironment): Promise<string[]> {
  const sends = await insertBenchSends(env.db, ORG, SENDS, LINK);
  await env.db.query(
    `INSERT INTO webhook_endpoints (org_id, url, secret_enc) SELECT $1, 'https://crm.example.com/hooks/' || g, '\\x00' FROM generate_series(1, $2) g`,
    [ORG, ENDPOINTS],
  );
  await settleWriterTables(env.db);
  return sends;
}

export function rowsOf(variant: Variant, samples: Sample[], where = ''): BenchRow[] {
  const endpoints = ENDPOINTS > 0 ? `, ${ENDPOINTS} outbound endpoints` : '';
  const name = `writer${where}, ${variant.label} (${BATCH.toLocaleString('en-US')}-event batches${endpoints})`;
  const whole = median(samples.map((sample) => sample.wallUs));
  const names = [...new Set(samples.flatMap((sample) => [...sample.statements.keys()]))];
  return [
    { name, value: whole, unit: 'µs/ev', goal: `${Math.round(1_000_000 / Math.max(0.001, whole)).toLocaleString('en-US')} ev/s on one transaction; Node CPU ${median(samples.map((sample) => sample.nodeUs)).toFixed(1)} µs/ev` },
    ...names.map((statement) => {
      const spent = median(samples.map((sample) => (1000 * (sample.statements.get(statement) ?? 0)) / BATCH));
      return { name: `${name}: ${statement}`, value: spent, unit: 'µs/ev', goal: `${Math.round((100 * spent) / Math.max(0.001, whole))} % of the batch` };
    }),
  ];
}

