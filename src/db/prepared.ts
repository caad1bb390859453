// Named prepared statements for the batch SQL of the webhook and event paths. PostgreSQL plans an
// unnamed statement on every call, and planning these batch statements
// (CTEs, LATERAL probes, unnest) costs about as much as running them: a
// named statement is planned once per connection and then reuses its plan.
import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';

export interface PreparedStatement {
  /** unique per statement text: the connection caches the plan under it */
  name: string;
  text: string;
}

export async function runPrepared<Row>(db: EntityManager, statement: PreparedStatement, values: unknown[]): Promise<Row[]> {
  // Outside a transaction there is no connection of our own to prepare on.
  if (!db.queryRunner) return db.query(statement.text, values);
  const client = (await db.queryRunner.connect()) as PoolClient;
  const result = await client.query<Row & Record<string, unknown>>({ name: statement.name, text: statement.text, values });
  return result.rows;
}
