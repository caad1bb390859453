// Folds pending stats deltas into the rollups (compact_send_stats,
// compact_send_link_stats and compact_send_activity, migrations
// 1764300000000/1 and 1764600000002). Readers add pending
// deltas themselves, so compaction never changes a figure: it only keeps the
// deltas few, and reads fast.
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../logger';

/** Deltas folded per transaction, so one compaction never holds locks for long. */
const BATCH = 50_000;
export const COMPACTION_INTERVAL_MS = 5_000;

/**
 * Folds every send and link delta committed so far (and, inside a
 * transaction, the transaction's own). wait = false gives up at once when
 * another process is compacting (it will fold these too).
 */
export async function compactSendStats(db: DataSource | EntityManager, wait = true): Promise<number> {
  let total = 0;
  for (;;) {
    const [row]: { sends: string; links: string; activity: string }[] = await db.query(
      'SELECT compact_send_stats($1, $2) AS sends, compact_send_link_stats($1, $2) AS links, compact_send_activity($1, $2) AS activity',
      [BATCH, wait],
    );
    const folded = [row.sends, row.links, row.activity].map(Number);
    total += folded.reduce((sum, count) => sum + count, 0);
    if (folded.every((count) => count < BATCH)) return total;
  }
}

/** One per process (App.compactor): compacts every few seconds while the data source is open, one run at a time. */
export class SendStatsCompactor {
  private running: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: DataSource,
    private readonly log: Logger,
    intervalMs = COMPACTION_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
  }

  /** Starts a compaction in the background unless one is running; never throws. */
  kick(): void {
    if (!this.db.isInitialized) {
      clearInterval(this.timer);
      return;
    }
    if (this.running) return;
    this.running = compactSendStats(this.db, false)
      .then((folded) => {
        if (folded > 0) this.log.debug({ folded }, 'stats deltas compacted');
      })
      .catch((error: unknown) => {
        // Harmless: the deltas stay and are folded by the next run.
        if (this.db.isInitialized) this.log.warn({ err: error }, 'stats compaction failed');
      })
      .finally(() => {
        this.running = null;
      });
  }

  /** Stops the timer and waits for a run in progress (graceful shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
