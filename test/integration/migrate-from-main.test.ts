// A database migrated by an earlier release (1764900000000 last: link rollups
// by URL, maintained by triggers) takes the later migrations in order: the
// triggers go first (1765000000000), then link keys (1765050000000), so the
// link rollups and pending deltas written by the triggers keep their figures,
// keyed by URL (every old link is unnamed), with that URL as their first one.
import { randomUUID } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations';
import { createDataSource, migrate } from '../../src/db/data-source';
import { createDatabase, dropDatabase } from '../../src/db/database-admin';
import { compactSendStats } from '../../src/stats/compaction';
import { getTestDatabase, TEST_SHARD_COUNT } from '../support/test-database-state';

const LAST_OF_THE_EARLIER_RELEASE = 'MoveTriggersByRow1764900000000';
const org = 'org-earlier';
const name = `et_scratch_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let db: DataSource;

beforeAll(async () => {
  const url = await createDatabase(getTestDatabase().adminUrl, name, { shardCount: TEST_SHARD_COUNT });
  const earlier = migrations.slice(0, migrations.findIndex((migration) => migration.name === LAST_OF_THE_EARLIER_RELEASE) + 1);
  expect(earlier.length).toBeGreaterThan(0);
  const old = new DataSource({ ...createDataSource({ url, poolSize: 2 }).options, migrations: earlier } as DataSourceOptions);
  await old.initialize();
  await old.runMigrations({ transaction: 'each' });
  // Two sends of one campaign written as that release wrote them: its triggers fill the link deltas.
  const sends: { id: string }[] = await old.query(
    `INSERT INTO sends (org_id, sender_id, contact_id, recipient_email, campaign_id, tracked, tracked_links, sent_at)
     VALUES ($1, 'rep', 'c1', 'a@gmail.com', 'spring', true, 2, now() - interval '2 minutes'),
            ($1, 'rep', 'c2', 'b@example.com', 'spring', true, 2, now() - interval '1 minute')
     RETURNING id`,
    [org],
  );
  await old.query(
    `INSERT INTO send_links (org_id, send_id, position, url, clicks)
     SELECT $1, s.id, p.position, p.url, p.clicks FROM unnest($2::uuid[]) AS s(id),
            unnest(ARRAY[0, 1], ARRAY['https://a.example/', 'https://b.example/'], ARRAY[1, 0]) AS p(position, url, clicks)`,
    [org, sends.map((send) => send.id)],
  );
  // Half folded by that release, half left pending.
  await old.query(`SELECT compact_send_link_stats(1, true)`);
  await old.destroy();
  db = createDataSource({ url, poolSize: 2 });
  await db.initialize();
  await migrate(db);
});
afterAll(async () => {
  await db?.destroy();
  await dropDatabase(getTestDatabase().adminUrl, name);
});

it('keeps the link figures written by the triggers, keyed by their URL', async () => {
  // Ours, in public: Citus keeps triggers of its own on its catalogue (pg_catalog.pg_dist_*).
  const triggers: { name: string }[] = await db.query(
    `SELECT t.tgrelid::regclass || '.' || t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace ORDER BY 1`,
  );
  expect(triggers.map((trigger) => trigger.name)).toEqual([]);
  const [providers]: { provider: string; domain: string }[] = await db.query(
    `SELECT mailbox_provider AS provider, recipient_domain AS domain FROM sends WHERE org_id = $1 AND contact_id = 'c1'`,
    [org],
  );
  expect(providers).toEqual({ provider: 'GMAIL', domain: 'gmail.com' });
  await compactSendStats(db);
  const rows = await db.query(
    `SELECT link_key, name, url, positions::int, clicks::int, clicked::int FROM send_link_stats WHERE org_id = $1 ORDER BY link_key`,
    [org],
  );
  expect(rows).toEqual([
    { link_key: 'https://a.example/', name: null, url: 'https://a.example/', positions: 2, clicks: 2, clicked: 2 },
    { link_key: 'https://b.example/', name: null, url: 'https://b.example/', positions: 2, clicks: 0, clicked: 0 },
  ]);
  const [links]: { link_key: string }[] = await db.query(`SELECT link_key FROM send_links WHERE org_id = $1 AND position = 0 LIMIT 1`, [org]);
  expect(links!.link_key).toBe('https://a.example/');
});
