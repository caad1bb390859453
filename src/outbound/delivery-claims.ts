// The two statements around an attempt: claiming due deliveries, endpoint by
// endpoint up to what each may still have in flight here, and recording how
// attempts ended. A claim leases its rows (next_attempt_at moves past the
// attempt's end), so no other instance takes them while they are in flight,
// and a crashed instance's rows come back when the lease runs out.
import type { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../db/returned-rows';

// Every enabled endpoint of every organisation (the delivery side's one read
// across organisations), then webhook_deliveries_due_idx per endpoint. A
// reclassification waits while its original is pending.
const CLAIM = `
  WITH slots AS (
    SELECT e.org_id, e.id, $3::int - coalesce(b.busy, 0) AS free
    FROM webhook_endpoints e
    LEFT JOIN unnest($1::uuid[], $2::int[]) AS b(endpoint_id, busy) ON b.endpoint_id = e.id
    WHERE e.enabled
  ), claimed AS (
    SELECT d.org_id, d.id FROM slots s CROSS JOIN LATERAL (
      SELECT d.org_id, d.id FROM webhook_deliveries d
      WHERE d.org_id = s.org_id AND d.endpoint_id = s.id AND d.status = 'PENDING' AND d.next_attempt_at <= now()
        AND (d.after_id IS NULL OR NOT EXISTS (
          SELECT FROM webhook_deliveries o WHERE o.org_id = d.org_id AND o.id = d.after_id AND o.status = 'PENDING'))
      ORDER BY d.next_attempt_at LIMIT s.free
      FOR UPDATE OF d SKIP LOCKED) d
    WHERE s.free > 0
  )
  UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $4), lease_id = gen_random_uuid()
  FROM claimed c, webhook_endpoints e
  WHERE d.org_id = c.org_id AND d.id = c.id AND e.org_id = d.org_id AND e.id = d.endpoint_id
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

export async function claimDeliveries(db: DataSource, busy: ReadonlyMap<string, number>, perEndpoint: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  return returnedRows(await db.query(CLAIM, [[...busy.keys()], [...busy.values()], perEndpoint, leaseMs / 1000]));
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
// attempt to the redelivery.
const RECORD = `
  UPDATE webhook_deliveries d SET
    attempts = d.attempts + 1, last_status_code = r.code, last_error = r.error,
    last_attempt_at = to_timestamp(r.at / 1000.0),
    status = CASE WHEN d.lease_id = r.lease THEN r.status ELSE d.status END,
    next_attempt_at = CASE WHEN d.lease_id = r.lease THEN coalesce(to_timestamp(r.retry / 1000.0), d.next_attempt_at) ELSE d.next_attempt_at END
  FROM unnest($1::text[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::float8[], $7::float8[], $8::uuid[])
    AS r(org_id, id, status, code, error, at, retry, lease)
  WHERE d.org_id = r.org_id AND d.id = r.id AND d.status = 'PENDING'`;

// A receiver answering 410 Gone: the contract disables its endpoint.
const DISABLE = `
  UPDATE webhook_endpoints e SET enabled = false, disabled_reason = 'GONE', updated_at = now()
  FROM unnest($1::text[], $2::uuid[]) AS k(org_id, id)
  WHERE e.org_id = k.org_id AND e.id = k.id AND e.enabled`;

export async function recordOutcomes(db: DataSource, outcomes: readonly AttemptOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const record = (runner: DataSource | EntityManager) =>
    runner.query(RECORD, [
      outcomes.map((o) => o.orgId),
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
    await tx.query(DISABLE, [gone.map((o) => o.orgId), gone.map((o) => o.endpointId)]);
  });
}
