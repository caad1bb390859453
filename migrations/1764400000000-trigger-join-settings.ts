// The event writer turns hash and merge joins off for its transaction (its
// batch statements must probe indexes, never hash a table of millions of rows).
// Statement triggers on sends run inside that transaction and inherited the
// setting: send_link_stats_follow_sends() joins the old and new transition
// tables, which have no index, so a batch of 1,000 counter updates became a
// 1,000 x 1,000 nested loop (about 200 ms of a 300 ms batch). The function now
// carries its own join settings, whatever its caller's.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TriggerJoinSettings1764400000000 implements MigrationInterface {
  name = 'TriggerJoinSettings1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER FUNCTION send_link_stats_follow_sends() SET enable_hashjoin = on SET enable_mergejoin = on`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER FUNCTION send_link_stats_follow_sends() RESET ALL`);
  }
}
