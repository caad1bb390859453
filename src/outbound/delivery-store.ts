// Deliveries for the API: an endpoint's recent ones, a redelivery, a test
// event. The caller's scope is checked on the endpoint first (endpoint-store).
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { EndpointScope } from './endpoint-access';
import { testBody, type DeliveryType } from './event-body';
import { isUuid } from './endpoint-store';
import { returnedRows } from '../db/returned-rows';

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface DeliveryRecord {
  id: string;
  endpointId: string;
  /** the event the body is about (a reclassification's: the original event) */
  eventId: string;
  type: DeliveryType;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  /** PENDING only */
  nextAttemptAt: Date | null;
  createdAt: Date;
}

const columns = (d: string) => `${d}id, ${d}endpoint_id, ${d}event_id, ${d}type, ${d}status, ${d}attempts, ${d}last_status_code,
  ${d}last_error, ${d}last_attempt_at, CASE WHEN ${d}status = 'PENDING' THEN ${d}next_attempt_at END AS next_attempt_at, ${d}created_at`;
const COLUMNS = columns('');

interface Row {
  id: string;
  endpoint_id: string;
  event_id: string;
  type: DeliveryType;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  created_at: Date;
}

const toRecord = (row: Row): DeliveryRecord => ({
  id: row.id,
  endpointId: row.endpoint_id,
  eventId: row.event_id,
  type: row.type,
  status: row.status,
  attempts: row.attempts,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  lastAttemptAt: row.last_attempt_at,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
});

export const MAX_DELIVERIES_LISTED = 200;

/** Newest first (webhook_deliveries_recent_idx). */
export async function listDeliveries(db: DataSource, orgId: string, endpointId: string, status: DeliveryStatus | null, limit: number): Promise<DeliveryRecord[]> {
  const rows: Row[] = await db.query(
    `SELECT ${COLUMNS} FROM webhook_deliveries
     WHERE org_id = $1 AND endpoint_id = $2 AND ($3::text IS NULL OR status = $3)
     ORDER BY created_at DESC, id LIMIT $4`,
    [orgId, endpointId, status, limit],
  );
  return rows.map(toRecord);
}

/**
 * Sends a delivery again from now, with the same webhook-id and body: it is
 * pending, due at once, and retried for another 24 hours if it fails.
 */
export async function redeliver(db: DataSource, scope: EndpointScope, deliveryId: string): Promise<DeliveryRecord | null> {
  if (!isUuid(deliveryId)) return null;
  const rows = returnedRows<Row>(await db.query(
    `UPDATE webhook_deliveries d SET status = 'PENDING', next_attempt_at = now(), retry_from = now(), lease_id = NULL
     FROM webhook_endpoints e
     WHERE d.org_id = $1 AND d.id = $3 AND e.org_id = $1 AND e.id = d.endpoint_id AND e.team_id = $2
     RETURNING ${columns('d.')}`,
    [scope.orgId, scope.teamId, deliveryId],
  ));
  return rows[0] ? toRecord(rows[0]) : null;
}

/** An `email.test` event for one endpoint, delivered like the others. */
export async function queueTestDelivery(db: DataSource, orgId: string, endpointId: string): Promise<DeliveryRecord> {
  const id = randomUUID();
  const rows: Row[] = await db.query(
    `INSERT INTO webhook_deliveries (org_id, endpoint_id, message_id, event_id, type, payload)
     VALUES ($1, $2, $3, $3, 'TEST', $4) RETURNING ${COLUMNS}`,
    [orgId, endpointId, id, testBody(endpointId, new Date())],
  );
  return toRecord(rows[0]);
}
