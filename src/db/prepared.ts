// Named prepared statements for the batch SQL of the webhook and event paths. PostgreSQL plans an
// unnamed statement on every call, and planning these batch statements
// (CTEs, LATERAL probes, unnest) costs about as much as running them: a
// named statement is planned once per connection and then reuses its plan.
import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';
import { arrayLiteral } from './array-literal';
import { timed } from './statement-timing';

export interface PreparedStatement {
  /** unique per statement text: the connection caches the plan under it */
  name: string;
  text: string;
}

/** Runs a prepared statement; array parameters (the batch's unnest() inputs) are sent as array literals. */
export async function runPrepared<Row>(db: EntityManager, statement: PreparedStatement, values: unknown[]): Promise<Row[]> {
  const sent = values.map((value) => (Array.isArray(value) ? arrayLiteral(value) : value));
  // Outside a transaction there is no connection of our own to prepare on.
  if (!db.queryRunner) return db.query(statement.text, sent);
  const client = (await db.queryRunner.connect()) as PoolClient;
  const result = await timed({ name: statement.name, text: statement.text, values: sent }, () =>
    client.query<Row & Record<string, unknown>>({ name: statement.name, text: statement.text, values: sent }),
  );
  return result.rows;
}
