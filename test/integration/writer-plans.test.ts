// The writer's read statements stay per-key index probes whatever the
// statistics say: on tables never analysed (a fresh install, a new month's
// partition, in its first minute) or analysed while empty and filled since,
// a flattened join or a sequential scan would read a whole partition per
// batch, and an index that does not lead to the key (an organisation's
// events by time) the organisation's recent events per key: the writer
// bench's statement timeout of issue 23.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { batchReadStatements } from '../../src/events/batch-reads';
import { clientCounterStatements } from '../../src/events/client-counters';
import { sendCounterStatements } from '../../src/events/send-counters';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

let scratch: ScratchDatabase;
beforeAll(async () => {
  scratch = await createScratchDatabase();
});
afterAll(async () => {
  await scratch.drop();
});

const KEYS = 2_000;

/** Every plan node, depth first, the remote plans of a Citus task included. */
function nodes(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(nodes);
  if (value === null || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  return [...('Node Type' in node ? [node] : []), ...Object.values(node).flatMap(nodes)];
}

/** `sends` sends of organisation `orgId`, each with `perSend` counted opens from clients of its own in the last minute, all from one mail client. */
async function fill(db: EntityManager, orgId: string, sends: number, perSend: number): Promise<void> {
  await db.query(
    `INSERT INTO sends (org_id, id, sent_at, sender_id, contact_id, recipient_email, tracked)
     SELECT $1, gen_random_uuid(), now(), 's', 'c' || g, 'c' || g || '@example.com', true FROM generate_series(1, $2) g`,
    [orgId, sends],
  );
  await db.query(
    `INSERT INTO tracking_events (org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp, ip_hash)
     SELECT $1, s.id, now() - (g || ' s')::interval, gen_random_uuid(), 'OPEN', 'PIXEL', true, false, false, decode(md5(g::text || s.id::text), 'hex')
     FROM sends s, generate_series(1, $2) g WHERE s.org_id = $1`,
    [orgId, perSend],
  );
  await db.query(
    `INSERT INTO send_clients (org_id, send_id, client, device, opens, clicks, mpp_opens)
     SELECT $1, s.id, 'APPLE_MAIL', 'MOBILE', $2, 0, 0 FROM sends s WHERE s.org_id = $1`,
    [orgId, perSend],
  );
}

/** The plans of the lock, the history read and the client counters' read for a batch of KEYS new clients of `orgId`'s sends, as the writer runs them. */
async function readPlans(db: EntityManager, orgId: string): Promise<Record<string, unknown>[]> {
  const sendIds: string[] = (await db.query(`SELECT id FROM sends WHERE org_id = $1 LIMIT ${KEYS}`, [orgId])).map((row: { id: string }) => row.id);
  const now = Date.now();
  const ips = sendIds.map(() => randomUUID().replace(/-/g, ''));
  const [lo, hi] = [sendIds.map(() => now - 65_000), sendIds.map(() => now + 65_000)];
  const kinds = sendIds.map(() => 'OPEN');
  const history = [orgId, sendIds, ips, lo, hi, now - 65_000, now + 65_000, sendIds, ips, sendIds, ips, lo, now - 86_400_000, sendIds, kinds, lo, hi, sendIds, kinds, lo, hi];
  // As the writer sets it (write-events.ts): on Citus the workers plan the probes, so the setting must reach them.
  await db.query(`SET LOCAL citus.propagate_set_commands = 'local'`);
  await db.query('SET LOCAL enable_seqscan = off');
  const plans: Record<string, unknown>[] = [];
  for (const [statement, values] of [
    [batchReadStatements.lockSends, [orgId, sendIds]],
    [batchReadStatements.history, history],
    [clientCounterStatements.priorClients, [orgId, sendIds]],
  ] as const) {
    const literal = (value: unknown) => (Array.isArray(value) ? `{${value.map((v) => `"${v}"`).join(',')}}` : value);
    const [{ 'QUERY PLAN': [plan] }] = await db.query(`EXPLAIN (FORMAT JSON) ${statement.text}`, (values as unknown[]).map(literal));
    plans.push(plan.Plan);
  }
  return plans;
}

/**
 * Each scan of tracking_events, sends and send_clients is an index scan,
 * nothing joins whole tables, and each probe of tracking_events and
 * send_clients finds its rows by the send (an index that leads to it, not
 * the organisation's events by time).
 */
function expectPerKeyProbes(plans: readonly Record<string, unknown>[]): void {
  let probes = 0;
  for (const plan of plans) {
    for (const node of nodes(plan)) {
      const relation = String(node['Relation Name'] ?? '');
      expect(node['Node Type']).not.toMatch(/Hash Join|Merge Join/);
      if (!/^(tracking_events|sends|send_clients)/.test(relation)) continue;
      expect([relation, node['Node Type']]).toEqual([relation, expect.stringMatching(/^Index (Only )?Scan$/)]);
      if (relation.startsWith('sends')) {
        // The send itself, by its key: not the organisation's sends, filtered one by one.
        const byKey = /\bid = k\.id\b/.test(String(node['Index Cond'] ?? ''));
        expect([relation, node['Index Name'], byKey]).toEqual([relation, node['Index Name'], true]);
      }
      if (!/^(tracking_events|send_clients)/.test(relation)) continue;
      probes++;
      const bySend = /\bsend_id = k(_\d+)?\.send_id\b/.test(String(node['Index Cond'] ?? ''));
      expect([relation, node['Index Name'], bySend]).toEqual([relation, node['Index Name'], true]);
    }
  }
  expect(probes).toBeGreaterThan(0);
}

/** Thrown to roll a transaction back on purpose. */
class RolledBack extends Error {}

it('probes by the send, per key, on tables never analysed that hold a few thousand events of one organisation', async () => {
  // In a transaction rolled back: nothing commits, so no autovacuum analyses the tables meanwhile.
  await scratch.db.transaction(async (db) => {
    await fill(db, 'fresh', 3_000, 2);
    expectPerKeyProbes(await readPlans(db, 'fresh'));
    throw new RolledBack();
  }).catch((error: unknown) => {
    if (!(error instanceof RolledBack)) throw error;
  });
});

it('probes by the send, per key, even with statistics taken when the tables were empty', async () => {
  const { db } = scratch;
  // As autovacuum leaves an emptied table: the first test's rolled-back rows
  // vacuumed away, then analysed. (Analysed while its pages still hold dead
  // rows, sends would be estimated empty per page and the lock could walk the
  // organisation's sends until the next analyse: docs/journal.md.)
  await db.query('VACUUM ANALYZE');
  // Filled after the statistics were taken, as a busy first hour would.
  await fill(db.manager, 'plans', 20_000, 5);
  await db.transaction(async (manager) => expectPerKeyProbes(await readPlans(manager, 'plans')));
});

// PostgreSQL 18 then probes sends_pkey with the keys; 15 (the Citus cluster's)
// may still prefer a bitmap scan of the organisation's sends, filtered by the
// keys before the join: either way no longer the whole organisation hashed.
it("gives the batch's keys to the scan of sends it bumps, rather than hashing the organisation's sends", async () => {
  const { db } = scratch;
  await fill(db.manager, 'bump', 20_000, 0);
  // Statistics that know the organisation is large: the plan the writer bench showed reading all its sends per batch.
  await db.query('ANALYZE sends');
  await db.transaction(async (manager) => {
    const sendIds: string[] = (await manager.query(`SELECT id FROM sends WHERE org_id = 'bump' LIMIT ${KEYS}`)).map((row: { id: string }) => row.id);
    const zeros = sendIds.map(() => 0);
    const times = sendIds.map(() => null);
    const flags = sendIds.map(() => false);
    const values = ['bump', sendIds, zeros, zeros, zeros, zeros, zeros, times, times, times, flags, flags];
    await manager.query(`SET LOCAL citus.propagate_set_commands = 'local'`);
    await manager.query('SET LOCAL enable_seqscan = off');
    const literal = (value: unknown) => (Array.isArray(value) ? `{${value.map((v) => (v === null ? 'NULL' : `"${v}"`)).join(',')}}` : value);
    const [{ 'QUERY PLAN': [plan] }] = await manager.query(`EXPLAIN (FORMAT JSON) ${sendCounterStatements.bumpSends.text}`, values.map(literal));
    const scans = nodes(plan.Plan).filter((node) => String(node['Relation Name'] ?? '').startsWith('sends') && node['Node Type'] !== 'ModifyTable');
    expect(scans.length).toBeGreaterThan(0);
    for (const scan of scans) {
      const conditions = [scan['Index Cond'], scan['Recheck Cond'], scan.Filter].map((condition) => String(condition ?? '')).join(' ');
      expect([scan['Node Type'], conditions]).toEqual([scan['Node Type'], expect.stringMatching(/\bid = (ANY|d\.id)\b/)]);
    }
  });
});
