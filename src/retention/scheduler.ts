// Runs retention inside the server on a schedule. Every instance schedules;
// the advisory lock in pruneRawEvents lets one of them do the work each time.
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { pruneRawEvents } from './prune';

export interface RetentionSchedule {
  stop(): Promise<void>;
}

export const RETENTION_INTERVAL_MS = 60 * 60_000;
/** The first run waits a little, so a fleet restarting together does not prune at once. */
const FIRST_RUN_DELAY_MS = 60_000;

export function scheduleRetention(
  db: DataSource,
  log: Logger,
  retentionDays: number,
  intervalMs = RETENTION_INTERVAL_MS,
  firstRunDelayMs = FIRST_RUN_DELAY_MS,
): RetentionSchedule {
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout;

  const run = () => {
    running = pruneRawEvents(db, retentionDays)
      .then((result) => {
        if (result.ran && result.deleted > 0) {
          log.info({ deleted: result.deleted, cutoff: result.cutoff, dropped: result.droppedPartitions, deliveries: result.deliveriesDeleted }, 'retention: raw events pruned');
        }
      })
      .catch((error: unknown) => log.warn({ err: error }, 'retention run failed; will retry at the next interval'))
      .finally(() => {
        running = null;
      });
  };

  timer = setTimeout(function tick() {
    run();
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  }, firstRunDelayMs);
  timer.unref();

  return {
    async stop() {
      clearTimeout(timer);
      await running;
    },
  };
}
