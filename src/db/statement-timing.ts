// Where the writer's batch statements report how long each took, when
// something listens: the writer benchmark (bench/writer-bench.ts) does, to
// break a batch's cost down by statement; in production nothing listens and
// a statement costs one null check more.
export interface TimedStatement {
  name: string;
  /** the SQL, when it can be run again under EXPLAIN (a COPY has none) */
  text: string | null;
  values: readonly unknown[];
}

export const statementTiming: { observe: ((statement: TimedStatement, ms: number) => void) | null } = { observe: null };

export async function timed<T>(statement: TimedStatement, run: () => Promise<T>): Promise<T> {
  const observe = statementTiming.observe;
  if (observe === null) return run();
  const started = performance.now();
  try {
    return await run();
  } finally {
    observe(statement, performance.now() - started);
  }
}
