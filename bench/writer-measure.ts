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
const USER_AGENT = 'Mozilla/5.0 (bench) AppleWebKit';

export interface Variant {
  label: string;
  kind: EventKind;
  appendOnly: boolean;
}

export const VARIANTS: Variant[] = [
  { label: 'opens', kind: 'OPEN', appendOnly: false },
  { label: 'opens, append-only', kind: 'OPEN', appendOnly: true },
  { label: 'clicks', kind: 'CLICK', appendOnly: false },
  { label: 'clicks, append-only', kind: 'CLICK', appendOnly: true },
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
        userAgent: USER_AGENT, ipHash: n.toString(16).padStart(32, '0'), id: randomUUID(),
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
        await env.db.transaction((db) => writeEvents(db, batch, { maybeRepeated: false, appendOnly: variant.appendOnly }));
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

