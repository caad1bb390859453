// The statements around an attempt: finding the endpoints with due
// deliveries, claiming them organisation by organisation up to what each
// endpoint may still have in flight here, and recording how attempts ended.
// A claim leases its rows (next_attempt_at moves past the attempt's end), so
// no other instance takes them while they are in flight, and a crashed
// instance's rows come back when the lease runs out. Only the first read
// spans organisations, unlocked; every claim and record is one
// organisation's, so on Citus it runs on its shard alone (row locks need that).
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../db/returned-rows';

// Across organisations, without locks (on Citus, a read of every shard):
// every enabled endpoint, and webhook_deliveries_due_idx probed for it. A
// reclassification waiting for its original's delivery does not count.
// `org` is what the organisation is compared with: a claim must name it as
// the scalar itself for Citus to plan the claim on one shard.
const due = (org: string) => `(d.status = 'PENDING' AND d.next_attempt_at <= now()
  AND (d.after_id IS NULL OR NOT EXISTS (
    SELECT FROM webhook_deliveries o WHERE o.org_id = ${org} AND o.id = d.after_id AND o.status = 'PENDING')))`;
const DUE_ENDPOINTS = `
  SELECT e.org_id, e.id FROM webhook_endpoints e
  WHERE e.enabled AND EXISTS (SELECT FROM webhook_deliveries d WHERE d.org_id = e.org_id AND d.endpoint_id = e.id AND ${due('d.org_id')})`;

export interface DueEndpoint {
  org_id: string;
  id: string;
}

export async function dueEndpoints(db: DataSource): Promise<DueEndpoint[]> {
  return db.query(DUE_ENDPOINTS);
}

// One organisation ($1), a scalar in every table's filter; per endpoint
// ($2, in webhook_deliveries_due_idx order) at most its free slots ($3).
// One lease id ($5) per claim: an outcome counts only under the claim it
// was made under.
const CLAIM = `
  WITH claimed AS (
    SELECT d.id FROM unnest($2::uuid[], $3::int[]) AS s(id, free) CROSS JOIN LATERAL (
      SELECT d.id FROM webhook_deliveries d
      WHERE d.org_id = $1 AND d.endpoint_id = s.id AND ${due('$1')}
      ORDER BY d.next_attempt_at LIMIT s.free
      FOR UPDATE OF d SKIP LOCKED) d
  )
  UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $4), lease_id = $5
  FROM claimed c, webhook_endpoints e
  WHERE d.org_id = $1 AND d.id = c.id AND e.org_id = $1 AND e.id = d.endpoint_id AND e.enabled
  RETURNING d.org_id, d.id, d.endpoint_id, d.message_id, d.payload, d.attempts, d.retry_from, d.lease_id,
            e.url, e.secret_enc, e.previous_secret_enc, e.previous_secret_until`;

export interface ClaimedDelivery {
  org_id: string;
  id: string;
  endpoint_id: string;
  message_id: string;
  payload: string;
  attempts: number;
  retry_from: Date;
  lease_id: string;
  url: string;
  secret_enc: Buffer;
  previous_secret_enc: Buffer | null;
  previous_secret_until: Date | null;
}

/** Claims and leases up to `slots.get(endpointId)` due deliveries of each of the organisation's endpoints in `slots`. */
export async function claimDeliveries(db: DataSource, orgId: string, slots: ReadonlyMap<string, number>, leaseMs: number): Promise<ClaimedDelivery[]> {
  return returnedRows(await db.query(CLAIM, [orgId, [...slots.keys()], [...slots.values()], leaseMs / 1000, randomUUID()]));
}

// Claimed here and never started (at shutdown): due again at once for any
// instance, unless a later claim has leased them since. One organisation ($1).
const RELEASE = `
  UPDATE webhook_deliveries SET next_attempt_at = now()
  WHERE org_id = $1 AND id = ANY ($2::uuid[]) AND lease_id = ANY ($3::uuid[]) AND status = 'PENDING'`;

function byOrganisation<T>(items: readonly T[], orgOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(orgOf(item));
    if (group) group.push(item);
    else groups.set(orgOf(item), [item]);
  }
  return groups;
}

/** Gives claimed deliveries back without an attempt, one statement per organisation. */
export async function releaseDeliveries(db: DataSource, deliveries: readonly ClaimedDelivery[]): Promise<void> {
  for (const [orgId, group] of byOrganisation(deliveries, (delivery) => delivery.org_id)) {
    await db.query(RELEASE, [orgId, group.map((delivery) => delivery.id), [...new Set(group.map((delivery) => delivery.lease_id))]]);
  }
}

export type FinalStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface AttemptOutcome {
  orgId: string;
  id: string;
  endpointId: string;
  /** the claim the attempt was made under */
  leaseId: string;
  status: FinalStatus;
  statusCode: number | null;
  error: string | null;
  /** epoch ms */
  at: number;
  /** epoch ms; PENDING only */
  retryAt: number | null;
}

// Primary key; `status = 'PENDING'` so a delivery finished elsewhere keeps
// its first ending. An attempt whose lease is no longer the delivery's (a
// redelivery came meanwhile) is counted, and leaves the status and the next
// attempt to the redelivery. One organisation ($1).
const RECORD = `
  UPDATE webhook_deliveries d SET
    attempts = d.attempts + 1, last_status_code = r.code, last_error = r.error,
    last_attempt_at = to_timestamp(r.at / 1000.0),
    status = CASE WHEN d.lease_id = r.lease THEN r.status ELSE d.status END,
    next_attempt_at = CASE WHEN d.lease_id = r.lease THEN coalesce(to_timestamp(r.retry / 1000.0), d.next_attempt_at) ELSE d.next_attempt_at END
  FROM unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::float8[], $7::float8[], $8::uuid[])
    AS r(id, status, code, error, at, retry, lease)
  WHERE d.org_id = $1 AND d.id = r.id AND d.status = 'PENDING'`;

// A receiver answering 410 Gone: the contract disables its endpoint.
const DISABLE = `
  UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'GONE', updated_at = now()
  WHERE org_id = $1 AND id = ANY ($2::uuid[]) AND enabled`;

async function recordOrganisation(db: DataSource, orgId: string, outcomes: readonly AttemptOutcome[]): Promise<void> {
  const record = (runner: DataSource | EntityManager) =>
    runner.query(RECORD, [
      orgId,
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.statusCode),
      outcomes.map((o) => o.error),
      outcomes.map((o) => o.at),
      outcomes.map((o) => o.retryAt),
      outcomes.map((o) => o.leaseId),
    ]);
  const gone = outcomes.filter((o) => o.statusCode === 410);
  // One statement, committed on its own, unless an endpoint is to be disabled with it.
  if (gone.length === 0) {
    await record(db);
    return;
  }
  await db.transaction(async (tx) => {
    await record(tx);
    await tx.query(DISABLE, [orgId, [...new Set(gone.map((o) => o.endpointId))]]);
  });
}

/**
 * Records outcomes one organisation at a time. An organisation whose record
 * fails does not stop the others'; its deliveries are tried again once their
 * leases run out, and the first error is thrown at the end.
 */
export async function recordOutcomes(db: DataSource, outcomes: readonly AttemptOutcome[]): Promise<void> {
  let failure: unknown = null;
  for (const [orgId, group] of byOrganisation(outcomes, (outcome) => outcome.orgId)) {
    try {
      await recordOrganisation(db, orgId, group);
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== null) throw failure;
}
