// A send that moves (its send time, sender, campaign, template or tracked
// flag changes: never done by the service itself, only by hand) carries its
// timeline activity and its links' figures along. That was two statement
// triggers on every UPDATE of sends, each capturing both transition tables
// and joining them to find no move at all in the event writer's counter
// updates: about 5 µs of every event written (`npm run bench -- writer`,
// bump_sends 22.8 -> 16.9 µs per open without them). They become row
// triggers whose WHEN clause is the move itself, so an update that moves
// nothing queues nothing and captures nothing; a moved send costs one call.
// The statement functions stay: the DELETE triggers still use them.
import type { MigrationInterface, QueryRunner } from 'typeorm';

const COUNTS = ['opens', 'clicks', 'mpp_opens', 'bot_opens', 'bot_clicks'];
const list = (format: (count: string) => string) => COUNTS.map(format).join(', ');
/** What moves a send's activity (as in 1764600000003). */
const activityKey = (alias: string) =>
  `${alias}.tracked, (${alias}.sent_at AT TIME ZONE 'UTC')::date, ${alias}.sender_id, coalesce(${alias}.campaign_id, ''), coalesce(${alias}.template_id, '')`;
/** What moves a send's link figures (as in 1764300000001). */
const linkKey = (alias: string) =>
  `date_trunc('month', ${alias}.sent_at AT TIME ZONE 'UTC')::date, coalesce(${alias}.campaign_id, ''), coalesce(${alias}.template_id, '')`;
/** The statement functions joined old and new rows on the key: a row whose key changed was not a move. */
const sameSend = `OLD.org_id = NEW.org_id AND OLD.id = NEW.id`;

export class MoveTriggersByRow1764900000000 implements MigrationInterface {
  name = 'MoveTriggersByRow1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER send_activity_on_send_update ON sends`);
    await db.query(`DROP TRIGGER send_link_stats_on_send_update ON sends`);

    // The moved send's activity, minus under its old key, plus under its new one (tracked sends only).
    await db.query(`
      CREATE FUNCTION send_activity_follow_send() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO send_activity_deltas (org_id, send_day, sender_id, campaign_key, template_key, at, ${COUNTS.join(', ')})
        SELECT OLD.org_id, s.day, s.sender_id, s.campaign_key, s.template_key, a.at, ${list((count) => `sum(s.sign * a.${count})`)}
        FROM (VALUES (-1, ${activityKey('OLD')}), (1, ${activityKey('NEW')})) AS s(sign, tracked, day, sender_id, campaign_key, template_key)
        CROSS JOIN LATERAL (SELECT * FROM send_activity a WHERE a.org_id = OLD.org_id AND a.send_id = OLD.id) a
        WHERE s.tracked
        GROUP BY 1, 2, 3, 4, 5, 6;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER send_activity_on_send_move AFTER UPDATE ON sends FOR EACH ROW
      WHEN (${sameSend} AND (${activityKey('OLD')}) IS DISTINCT FROM (${activityKey('NEW')}))
      EXECUTE FUNCTION send_activity_follow_send()`);

    await db.query(`
      CREATE FUNCTION send_link_stats_follow_send() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM send_link_stats_move(ARRAY[(OLD.org_id, OLD.id, ${linkKey('OLD')}, ${linkKey('NEW')})::send_link_move]);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER send_link_stats_on_send_move AFTER UPDATE ON sends FOR EACH ROW
      WHEN (${sameSend} AND (${linkKey('OLD')}) IS DISTINCT FROM (${linkKey('NEW')}))
      EXECUTE FUNCTION send_link_stats_follow_send()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER send_link_stats_on_send_move ON sends`);
    await db.query(`DROP FUNCTION send_link_stats_follow_send()`);
    await db.query(`DROP TRIGGER send_activity_on_send_move ON sends`);
    await db.query(`DROP FUNCTION send_activity_follow_send()`);
    await db.query(`
      CREATE TRIGGER send_link_stats_on_send_update AFTER UPDATE ON sends
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION send_link_stats_follow_sends()`);
    await db.query(`
      CREATE TRIGGER send_activity_on_send_update AFTER UPDATE ON sends
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION send_activity_follow_sends()`);
  }
}
