// Webhook events without a usable send_id are matched by Message-Id across
// every organisation (contract section 6), so the index serving that look-up
// must be led by message_id; org_id follows it, which also serves a look-up
// within one organisation. The old (org_id, message_id) index then serves no
// query and would only cost every instrumentEmail insert, so it goes.
//
// Built CONCURRENTLY (outside a transaction) so that a large sends table keeps
// taking counter updates and new sends while the index builds; the pool's
// 30 s statement timeout is lifted for the build. A build that failed half way
// leaves an INVALID index behind, dropped before building again.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class MessageIdLookup1764600000000 implements MigrationInterface {
  name = 'MessageIdLookup1764600000000';
  transaction = false;

  async up(db: QueryRunner): Promise<void> {
    await withoutStatementTimeout(db, async () => {
      await db.query(`DROP INDEX CONCURRENTLY IF EXISTS sends_by_message_id_idx`);
      await db.query(`CREATE INDEX CONCURRENTLY sends_by_message_id_idx ON sends (message_id, org_id) WHERE message_id IS NOT NULL`);
      await db.query(`DROP INDEX CONCURRENTLY IF EXISTS sends_message_id_idx`);
    });
  }

  async down(db: QueryRunner): Promise<void> {
    await withoutStatementTimeout(db, async () => {
      await db.query(`DROP INDEX CONCURRENTLY IF EXISTS sends_message_id_idx`);
      await db.query(`CREATE INDEX CONCURRENTLY sends_message_id_idx ON sends (org_id, message_id) WHERE message_id IS NOT NULL`);
      await db.query(`DROP INDEX CONCURRENTLY IF EXISTS sends_by_message_id_idx`);
    });
  }
}

async function withoutStatementTimeout(db: QueryRunner, build: () => Promise<void>): Promise<void> {
  await db.query(`SET statement_timeout = 0`);
  try {
    await build();
  } finally {
    await db.query(`RESET statement_timeout`);
  }
}
