// The writer's read statements stay per-key index probes whatever the
// statistics say: on tables analyzed while empty (a fresh install, a new
// month's partition) and filled since, a flattened join or a sequential scan
// would read a whole partition per batch, or per key.
import { randomUUID } from 'node:crypto';
import { batchReadStatements } from '../../src/events/batch-reads';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

let scratch: ScratchDatabase;
beforeAll(async () => {
  scratch = await createScratchDatabase();
});
afterAll(async () => {
  await scratch.drop();
});

const KEYS = 2_000;

/** Every plan node, depth first. */
function nodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  return [plan, ...((plan.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(nodes)];
}

it('probes tracking_events and sends by index per key, even with statistics taken when they were empty', async () => {
  const { db } = scratch;
  await db.query('ANALYZE');
  // Filled after the statistics were taken, as a busy first hour would.
  await db.query(`
    INSERT INTO sends (org_id, id, sent_at, sender_id, contact_id, recipient_email, tracked)
    SELECT 'plans', gen_random_uuid(), now(), 's', 'c' || g, 'c' || g || '@example.com', true FROM generate_series(1, 20000) g`);
  await db.query(`
    INSERT INTO tracking_events (org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp, ip_hash)
    SELECT 'plans', s.id, now() - (g || ' s')::interval, gen_random_uuid(), 'OPEN', 'PIXEL', true, false, false, decode(md5(g::text || s.id::text), 'hex')
    FROM sends s, generate_series(1, 5) g WHERE s.org_id = 'plans'`);
  const sendIds: string[] = (await db.query(`SELECT id FROM sends WHERE org_id = 'plans' LIMIT ${KEYS}`)).map((row: { id: string }) => row.id);
  const now = Date.now();
  const ips = sendIds.map(() => randomUUID().replace(/-/g, ''));
  const [lo, hi] = [sendIds.map(() => now - 65_000), sendIds.map(() => now + 65_000)];
  const kinds = sendIds.map(() => 'OPEN');
  const history = ['plans', sendIds, ips, lo, hi, now - 65_000, now + 65_000, sendIds, ips, sendIds, ips, lo, now - 86_400_000, sendIds, kinds, lo, hi, sendIds, kinds, lo, hi];
  const plans: Record<string, unknown>[] = [];
  await db.transaction(async (manager) => {
    await manager.query('SET LOCAL enable_seqscan = off');
    for (const [statement, values] of [
      [batchReadStatements.lockSends, ['plans', sendIds]],
      [batchReadStatements.history, history],
    ] as const) {
      const literal = (value: unknown) => (Array.isArray(value) ? `{${value.map((v) => `"${v}"`).join(',')}}` : value);
      const [{ 'QUERY PLAN': [plan] }] = await manager.query(`EXPLAIN (FORMAT JSON) ${statement.text}`, (values as unknown[]).map(literal));
      plans.push(plan.Plan);
    }
  });
  for (const plan of plans) {
    for (const node of nodes(plan)) {
      const relation = String(node['Relation Name'] ?? '');
      if (/^(tracking_events|sends)/.test(relation)) expect([relation, node['Node Type']]).toEqual([relation, expect.stringMatching(/^Index (Only )?Scan$/)]);
      expect(node['Node Type']).not.toMatch(/Hash Join|Merge Join/);
    }
  }
});
