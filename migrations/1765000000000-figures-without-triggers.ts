// Every figure is now maintained by the code that changes the rows (issue
// 23): the event writer (counters, links, activity, rollup deltas), the
// instrumenter (a new send and its links), the webhooks (a send's status),
// and src/rollups/move-sends.ts (moving or deleting sends by hand). The
// triggers that did it are dropped: Citus refuses to distribute a table with
// triggers, never runs statement triggers with transition tables on a
// distributed one, and on one node they were most of what writing an event
// cost. The compaction functions go too: compaction folds one organisation
// at a time from the application (src/rollups/compact-organisation.ts), which
// Citus routes to that organisation's shard. Pending deltas stay valid.
import type { MigrationInterface, QueryRunner } from 'typeorm';

const TRIGGERS = [
  'send_stats_on_insert',
  'send_stats_on_update',
  'send_stats_on_delete',
  'send_stats_on_truncate',
  'send_link_stats_on_insert',
  'send_link_stats_on_update',
  'send_link_stats_on_delete',
  'send_link_stats_on_send_links_truncate',
  'send_link_stats_on_sends_truncate',
  'send_link_stats_on_send_move',
  'send_link_stats_on_send_delete',
  'send_activity_on_send_move',
  'send_activity_on_send_delete',
  'send_activity_on_sends_truncate',
];

const FUNCTIONS = [
  'send_stats_capture()',
  'send_stats_reset()',
  'send_stats_apply(send_stats_contribution[])',
  'send_link_stats_capture()',
  'send_link_stats_apply(send_link_contribution[])',
  'send_link_stats_follow_sends()',
  'send_link_stats_follow_send()',
  'send_link_stats_move(send_link_move[])',
  'send_link_stats_reset()',
  'send_activity_follow_sends()',
  'send_activity_follow_send()',
  'send_activity_reset()',
  'compact_send_stats(integer, boolean)',
  'compact_send_link_stats(integer, boolean)',
  'compact_send_activity(integer, boolean)',
];

const TYPES = ['send_stats_contribution', 'send_link_contribution', 'send_link_move'];

export class FiguresWithoutTriggers1765000000000 implements MigrationInterface {
  name = 'FiguresWithoutTriggers1765000000000';

  async up(db: QueryRunner): Promise<void> {
    // Only those that exist: on Citus even DROP TRIGGER IF EXISTS fails on a distributed table.
    const present: { name: string; table: string }[] = await db.query(
      `SELECT tgname AS name, tgrelid::regclass::text AS "table" FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY($1)`,
      [TRIGGERS],
    );
    for (const { name, table } of present) await db.query(`DROP TRIGGER ${name} ON ${table}`);
    for (const fn of FUNCTIONS) await db.query(`DROP FUNCTION IF EXISTS ${fn}`);
    for (const type of TYPES) await db.query(`DROP TYPE IF EXISTS ${type}`);
  }

  /**
   * One way: the code before this migration needs the triggers, and the code
   * after it would count everything twice with them. Go back by restoring a
   * backup taken before it, with the code of that time.
   */
  async down(): Promise<void> {
    throw new Error('FiguresWithoutTriggers1765000000000 cannot be reverted: restore a backup taken before it, with the code of that time');
  }
}
