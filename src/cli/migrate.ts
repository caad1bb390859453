// npm run migrate: applies pending migrations from migrations/ and says which.
import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDatabase } from '../db/connect';
import { devSecretsUnlessProduction } from '../dev-secrets';
import { createLogger } from '../logger';
import { describeDistribution, type CitusDistribution } from '../db/citus';
import { migrate } from '../db/data-source';
import { fail } from './args';

async function main(): Promise<void> {
  const config = loadConfig(process.env, devSecretsUnlessProduction(process.env));
  const log = createLogger('warn');
  const database = await openDatabase(config, log, { migrate: false, poolSize: 2 });
  try {
    let citus: CitusDistribution | null = null;
    const applied = await migrate(database.db, (distribution) => {
      citus = distribution;
    });
    process.stdout.write(applied.length === 0 ? 'No pending migrations.\n' : `Applied: ${applied.join(', ')}\n`);
    if (citus) process.stdout.write(`${describeDistribution(citus)}\n`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
