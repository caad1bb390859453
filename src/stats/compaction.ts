// Folds pending stats deltas into the rollups, one organisation's at a time
// (src/rollups/compact-organisation.ts): every statement stays on that
// organisation's shard on Citus. Readers add pending deltas themselves, so
// compaction never changes a figure: it only keeps the deltas few, and reads
// fast.
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../logger';
import { foldOrganisation, holdCompaction, transactionOf } from '../rollups/compact-organisation';

/**
 * Organisations folded per transaction: each transaction takes the
 * compaction lock again (a move of sends may come in between), and a
 * process that finds it taken skips its run. On Citus, a transaction of
 * several organisations spans their shards (two-phase commit), each
 * statement on one.
 */
const ORGANISATIONS_PER_TRANSACTION = 100;

export const COMPACTION_INTERVAL_MS = 5_000;

// A scan of the four (small) delta tables; on Citus, a read of every shard.
const PENDING_ORGANISATIONS = `
  SELECT org_id FROM send_stats_deltas UNION SELECT org_id FROM send_link_stats_deltas UNION SELECT org_id FROM send_activity_deltas
  UNION SELECT org_id FROM breakdown_deltas`;

/**
 * Folds every delta committed so far (and, inside a transaction, the
 * transaction's own). wait = false gives up at once when another process is
 * compacting (it folds these too).
 */
export async function compactSendStats(db: DataSource | EntityManager, wait = true): Promise<number> {
  const orgs: { org_id: string }[] = await db.query(PENDING_ORGANISATIONS);
  let total = 0;
  for (let start = 0; start < orgs.length; start += ORGANISATIONS_PER_TRANSACTION) {
    const folded = await transactionOf(db, async (manager) => {
      if (!(await holdCompaction(manager, wait))) return null;
      let sum = 0;
      for (const { org_id: orgId } of orgs.slice(start, start + ORGANISATIONS_PER_TRANSACTION)) sum += await foldOrganisation(manager, orgId);
      return sum;
    });
    if (folded === null) break;
    total += folded;
  }
  return total;
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
