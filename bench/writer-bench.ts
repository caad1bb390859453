// The event writer alone, statement by statement: batches of opens and of
// clicks (each from a client not seen before, round-robin over 50,000 sends,
// as the tracking benchmark sends them) written through writeEvents in one
// transaction each, as one lane of the recorder writes them. Per event: the
// whole batch, the writer's Node CPU, each statement's time as the writer
// waits on it, and the same batches on the append-only writer (the floor,
// see docs/journal.md). The last batch of each kind is run again under
// EXPLAIN (ANALYZE, BUFFERS, WAL), rolled back, into a file.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { arrayLiteral } from '../src/db/array-literal';
import { statementTiming, type TimedStatement } from '../src/db/statement-timing';
import type { EventKind, TrackingEventInput } from '../src/events/event';
import { defaultRecorderOptions } from '../src/events/recorder';
import { writeEvents } from '../src/events/write-events';
import { dataDir } from '../src/paths';
import { insertBenchSends, settleWriterTables, startBenchEnvironment } from './environment';
import type { BenchRow } from './table';

const SENDS = 50_000;
const BATCHES = Number(process.env.BENCH_WRITER_BATCHES ?? 40);
/** enabled outbound webhook endpoints of the organisation: with any, every event written queues an outbox row (docs/outbound-webhooks.md) */
const ENDPOINTS = Number(process.env.BENCH_WRITER_ENDPOINTS ?? 0);
const WARM_UP_BATCHES = 3;
/** what one lane's transaction gets from a recorder batch */
const BATCH = Math.ceil(defaultRecorderOptions.batchSize / defaultRecorderOptions.lanes);
const ORG = 'bench-writer';
const LINK = 'https://example.com/landing?utm_source=bench&utm_medium=email';
const USER_AGENT = 'Mozilla/5.0 (bench) AppleWebKit';

interface Variant {
  label: string;
  kind: EventKind;
  appendOnly: boolean;
}

const VARIANTS: Variant[] = [
  { label: 'opens', kind: 'OPEN', appendOnly: false },
  { label: 'opens, append-only', kind: 'OPEN', appendOnly: true },
  { label: 'clicks', kind: 'CLICK', appendOnly: false },
  { label: 'clicks, append-only', kind: 'CLICK', appendOnly: true },
];

interface Sample {
  wallUs: number;
  nodeUs: number;
  statements: Map<string, number>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
};

export async function benchWriter(): Promise<BenchRow[]> {
  const env = await startBenchEnvironment('writer');
  try {
    const sends = await insertBenchSends(env.db, ORG, SENDS, LINK);
    await env.db.query(
      `INSERT INTO webhook_endpoints (org_id, url, secret_enc) SELECT $1, 'https://crm.example.com/hooks/' || g, '\\x00' FROM generate_series(1, $2) g`,
      [ORG, ENDPOINTS],
    );
    await settleWriterTables(env.db);

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

    const samples = new Map<string, Sample[]>(VARIANTS.map((variant) => [variant.label, []]));
    const lastStatements = new Map<string, TimedStatement[]>();
    for (let round = 0; round < BATCHES + WARM_UP_BATCHES; round++) {
      for (const variant of VARIANTS) {
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

    const plansFile = path.join(dataDir, 'bench-writer-plans.txt');
    writeFileSync(plansFile, await explainAll(env.db, lastStatements));
    return [...VARIANTS.flatMap((variant) => rowsOf(variant, samples.get(variant.label) ?? [])), {
      name: 'writer: EXPLAIN (ANALYZE, BUFFERS, WAL) of each statement, last batch',
      value: path.relative(process.cwd(), plansFile),
      unit: '',
      goal: 'rolled back',
    }];
  } finally {
    statementTiming.observe = null;
    await env.close();
  }
}

function rowsOf(variant: Variant, samples: Sample[]): BenchRow[] {
  const endpoints = ENDPOINTS > 0 ? `, ${ENDPOINTS} outbound endpoints` : '';
  const name = `writer, ${variant.label} (${BATCH.toLocaleString('en-US')}-event batches${endpoints})`;
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

/** Each statement of the last batch again, under EXPLAIN in a transaction that is rolled back, as the writer runs it. */
async function explainAll(db: DataSource, batches: Map<string, TimedStatement[]>): Promise<string> {
  const out: string[] = [];
  for (const [label, statements] of batches) {
    if (label.includes('append-only')) continue;
    for (const statement of statements) {
      if (statement.text === null) continue;
      const runner = db.createQueryRunner();
      await runner.startTransaction();
      try {
        await runner.query('SET LOCAL enable_seqscan = off');
        const values = statement.values.map((value) => (Array.isArray(value) ? arrayLiteral(value) : value));
        const plan: { 'QUERY PLAN': string }[] = await runner.query(`EXPLAIN (ANALYZE, BUFFERS, WAL) ${statement.text}`, values);
        out.push(`=== ${label}: ${statement.name}\n${plan.map((row) => row['QUERY PLAN']).join('\n')}\n`);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    }
  }
  return out.join('\n');
}
