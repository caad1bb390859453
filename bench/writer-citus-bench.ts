// The writer benchmark again on a Citus cluster: a coordinator and two
// workers on this same machine (BENCH_CITUS_URL's, or one started from
// ../shared/citus for the run), the same batches through the same writer.
// One organisation's batches all go to the worker holding its shards, as
// the recorder cuts them. Printed per event and per statement, and as a
// ratio to the single node, with what limits it: every statement of a
// batch is planned on the coordinator and sent on to the worker, and the
// three nodes and the benchmark share the same cores.
import { onBenchCluster } from './citus-cluster';
import { startBenchEnvironment } from './environment';
import type { BenchRow } from './table';
import { BATCH, measureWriter, median, rowsOf, VARIANTS, writerSends, type Sample, type WriterMeasurement } from './writer-measure';

const perStatement = (samples: Sample[]) => {
  const names = [...new Set(samples.flatMap((sample) => [...sample.statements.keys()]))];
  return new Map(names.map((name) => [name, median(samples.map((sample) => (1000 * (sample.statements.get(name) ?? 0)) / BATCH))]));
};

/** Citus ÷ single node for one kind of batch, and the statement that grew most. */
function ratioRow(label: string, single: Sample[], citus: Sample[]): BenchRow {
  const [one, many] = [median(single.map((sample) => sample.wallUs)), median(citus.map((sample) => sample.wallUs))];
  const before = perStatement(single);
  const after = perStatement(citus);
  const statements = after.size;
  const extraMsPerStatement = ((many - one) * BATCH) / 1000 / Math.max(1, statements);
  const grew = [...after].map(([name, us]) => ({ name, us: us - (before.get(name) ?? 0) })).sort((a, b) => b.us - a.us)[0];
  return {
    name: `writer on Citus (2 workers, same machine) ÷ single node, ${label}`,
    value: Math.round((100 * one) / Math.max(0.001, many)) / 100,
    unit: 'ratio',
    goal:
      `printed; ${statements} statements a batch, each through the coordinator to one worker: ` +
      `+${extraMsPerStatement.toFixed(1)} ms per statement${grew ? `, most in ${grew.name} (+${grew.us.toFixed(1)} µs/ev)` : ''}; ` +
      'coordinator, workers and benchmark share the cores',
  };
}

export async function benchWriterOnCitus(single: WriterMeasurement): Promise<BenchRow[]> {
  return onBenchCluster('writer on Citus', async (adminUrl) => {
    const env = await startBenchEnvironment('writer_citus', {}, { adminUrl });
    try {
      const citus = await measureWriter(env, await writerSends(env), VARIANTS);
      const samples = (measured: WriterMeasurement, label: string) => measured.samples.get(label) ?? [];
      return [
        ...VARIANTS.flatMap((variant) => rowsOf(variant, samples(citus, variant.label), ' on Citus')),
        ratioRow('opens', samples(single, 'opens'), samples(citus, 'opens')),
        ratioRow('clicks', samples(single, 'clicks'), samples(citus, 'clicks')),
      ];
    } finally {
      await env.close();
    }
  });
}
