// Background work inside the server on a schedule: retention every hour, and
// the client backfill (src/events/client-backfill.ts). Every instance
// schedules; advisory locks (retention) and row locks (the backfill's
// cursors) let one of them do each piece of work.
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { pruneRawEvents } from './prune';

export interface RetentionSchedule {
  stop(): Promise<void>;
}

export const RETENTION_INTERVAL_MS = 60 * 60_000;
/** The first run waits a little, so a fleet restarting together does not prune at once. */
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * Runs `run` after `firstRunDelayMs`, then every `intervalMs`, never two at
 * once. `run` is told when stop() was called, to end early; stop() waits for it.
 */
export function scheduleRepeating(run: (stopping: () => boolean) => Promise<void>, intervalMs: number, firstRunDelayMs: number): RetentionSchedule {
  let running: Promise<void> | null = null;
  let stopped = false;
  let timer = setTimeout(function tick() {
    running ??= run(() => stopped).finally(() => {
      running = null;
    });
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  }, firstRunDelayMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export function scheduleRetention(
  db: DataSource,
  log: Logger,
  retentionDays: number,
  intervalMs = RETENTION_INTERVAL_MS,
  firstRunDelayMs = FIRST_RUN_DELAY_MS,
): RetentionSchedule {
  const run = () =>
    pruneRawEvents(db, retentionDays)
      .then((result) => {
        if (result.ran && result.deleted > 0) {
          log.info({ deleted: result.deleted, cutoff: result.cutoff, dropped: result.droppedPartitions, deliveries: result.deliveriesDeleted }, 'retention: raw events pruned');
        }
      })
      .catch((error: unknown) => log.warn({ err: error }, 'retention run failed; will retry at the next interval'));
  return scheduleRepeating(run, intervalMs, firstRunDelayMs);
}
