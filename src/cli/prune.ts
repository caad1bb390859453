// npm run prune: deletes raw events older than EMAIL_TRACKING_RETENTION_DAYS
// and prints how many it deleted. Counters (and so every stats figure) stay.
import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDatabase } from '../db/connect';
import { devSecretsUnlessProduction } from '../dev-secrets';
import { createLogger } from '../logger';
import { pruneRawEvents } from '../retention/prune';
import { fail } from './args';

async function main(): Promise<void> {
  const config = loadConfig(process.env, devSecretsUnlessProduction(process.env));
  const database = await openDatabase(config, createLogger('warn'), { migrate: true, poolSize: 2 });
  try {
    const result = await pruneRawEvents(database.db, config.retentionDays);
    if (!result.ran) {
      process.stdout.write('Another instance is pruning right now; nothing deleted.\n');
      return;
    }
    const dropped = result.droppedPartitions.length > 0 ? ` (${result.droppedPartitions.length} monthly partitions dropped whole)` : '';
    process.stdout.write(
      `Deleted ${result.deleted} raw events older than ${config.retentionDays} days (before ${result.cutoff.toISOString()})${dropped}.\n` +
        `Deleted ${result.deliveriesDeleted} outbound webhook delivery records as old.\n`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
