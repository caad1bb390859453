// The event writer alone, statement by statement (bench/writer-measure.ts):
// per event, the whole batch, the writer's Node CPU, each statement's time as
// the writer waits on it, and the same batches on the append-only writer
// (the floor, see docs/journal.md). The last batch of each kind is run again
// under EXPLAIN (ANALYZE, BUFFERS, WAL), rolled back, into a file. Then the
// same on a Citus cluster (bench/writer-citus-bench.ts).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { arrayLiteral } from '../src/db/array-literal';
import type { TimedStatement } from '../src/db/statement-timing';
import { dataDir } from '../src/paths';
import { startBenchEnvironment } from './environment';
import type { BenchRow } from './table';
import { benchWriterOnCitus } from './writer-citus-bench';
import { measureWriter, median, rowsOf, UNPARSED_VARIANTS, VARIANTS, writerSends, type Sample, type WriterMeasurement } from './writer-measure';

export async function benchWriter(): Promise<BenchRow[]> {
  const env = await startBenchEnvironment('writer');
  let single: WriterMeasurement;
  const rows: BenchRow[] = [];
  try {
    single = await measureWriter(env, await writerSends(env), [...VARIANTS, ...UNPARSED_VARIANTS]);
    const plansFile = path.join(dataDir, 'bench-writer-plans.txt');
    writeFileSync(plansFile, await explainAll(env.db, single.lastStatements));
    const samples = (label: string) => single.samples.get(label) ?? [];
    rows.push(...[...VARIANTS, ...UNPARSED_VARIANTS].flatMap((variant) => rowsOf(variant, samples(variant.label))));
    rows.push(parsingRatio('opens', samples('opens'), samples('opens, no client parsing')));
    rows.push(parsingRatio('clicks', samples('clicks'), samples('clicks, no client parsing')), {
      name: 'writer: EXPLAIN (ANALYZE, BUFFERS, WAL) of each statement, last batch',
      value: path.relative(process.cwd(), plansFile),
      unit: '',
      goal: 'rolled back',
    });
  } finally {
    await env.close();
  }
  return [...rows, ...(await benchWriterOnCitus(single))];
}

/** The writer's drain rate with client parsing ÷ without it (time per event without ÷ with). */
function parsingRatio(label: string, parsing: Sample[], unparsed: Sample[]): BenchRow {
  const [withParsing, without] = [median(parsing.map((sample) => sample.wallUs)), median(unparsed.map((sample) => sample.wallUs))];
  return {
    name: `writer, ${label}: drain rate with client parsing ÷ without`,
    value: without / Math.max(0.001, withParsing),
    unit: '',
    goal: `>= 0.9 (${withParsing.toFixed(1)} vs ${without.toFixed(1)} µs/ev)`,
  };
}

/** Each statement of the last batch again, under EXPLAIN in a transaction that is rolled back, as the writer runs it. */
async function explainAll(db: DataSource, batches: Map<string, TimedStatement[]>): Promise<string> {
  const out: string[] = [];
  for (const [label, statements] of batches) {
    if (label.includes('append-only') || label.includes('no client parsing')) continue;
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
