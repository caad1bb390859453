// The endpoints' table, for the API: every statement carries the caller's
// organisation and scope, so an id of another scope or organisation is simply
// not found. A new or rotated secret is returned once and stored sealed.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { MAX_ENDPOINTS_PER_SCOPE, type EndpointScope } from './endpoint-access';
import { newEndpointSecret, ROTATION_OVERLAP_MS, sealEndpointSecret } from './endpoint-secrets';
import type { EngagementType } from './event-body';
import { returnedRows } from '../db/returned-rows';

export interface EndpointRecord {
  id: string;
  orgId: string;
  teamId: string;
  url: string;
  /** null: every type */
  events: EngagementType[] | null;
  humanOnly: boolean;
  enabled: boolean;
  /** 'GONE' when the receiver answered 410 */
  disabledReason: string | null;
  createdAt: Date;
}

export interface EndpointSettings {
  url: string;
  events: EngagementType[] | null;
  humanOnly: boolean;
}

const COLUMNS = 'id, org_id, team_id, url, events, human_only, enabled, disabled_reason, created_at';

interface Row {
  id: string;
  org_id: string;
  team_id: string;
  url: string;
  events: EngagementType[] | null;
  human_only: boolean;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: Date;
}

const toRecord = (row: Row): EndpointRecord => ({
  id: row.id,
  orgId: row.org_id,
  teamId: row.team_id,
  url: row.url,
  events: row.events,
  humanOnly: row.human_only,
  enabled: row.enabled,
  disabledReason: row.disabled_reason,
  createdAt: row.created_at,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An id that cannot be an endpoint's is not found, like one of another organisation. */
export const isUuid = (id: string) => UUID.test(id);

export class TooManyEndpointsError extends Error {}

export async function listEndpoints(db: DataSource, scope: EndpointScope): Promise<EndpointRecord[]> {
  const rows: Row[] = await db.query(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE org_id = $1 AND team_id = $2 ORDER BY created_at, id`, [scope.orgId, scope.teamId]);
  return rows.map(toRecord);
}

export async function findEndpoint(db: DataSource, scope: EndpointScope, id: string): Promise<EndpointRecord | null> {
  if (!isUuid(id)) return null;
  const rows: Row[] = await db.query(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE org_id = $1 AND team_id = $2 AND id = $3`, [scope.orgId, scope.teamId, id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Creates an endpoint with a fresh secret; the secret is in the answer and nowhere else in the clear. */
export async function createEndpoint(db: DataSource, key: Buffer, scope: EndpointScope, settings: EndpointSettings): Promise<{ endpoint: EndpointRecord; secret: string }> {
  const id = randomUUID();
  const secret = newEndpointSecret();
  const sealed = sealEndpointSecret(key, secret, scope.orgId, id);
  return db.transaction(async (tx) => {
    // The scope's endpoints locked, so two creations cannot both pass the bound.
    const existing: { id: string }[] = await tx.query(`SELECT id FROM webhook_endpoints WHERE org_id = $1 AND team_id = $2 FOR UPDATE`, [scope.orgId, scope.teamId]);
    if (existing.length >= MAX_ENDPOINTS_PER_SCOPE) throw new TooManyEndpointsError(`at most ${MAX_ENDPOINTS_PER_SCOPE} endpoints per scope`);
    const rows: Row[] = await tx.query(
      `INSERT INTO webhook_endpoints (org_id, id, team_id, url, events, human_only, secret_enc)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [scope.orgId, id, scope.teamId, settings.url, settings.events, settings.humanOnly, sealed],
    );
    return { endpoint: toRecord(rows[0]), secret };
  });
}

export interface EndpointChanges {
  url?: string;
  events?: EngagementType[] | null;
  humanOnly?: boolean;
  enabled?: boolean;
}

export async function updateEndpoint(db: DataSource, scope: EndpointScope, id: string, changes: EndpointChanges): Promise<EndpointRecord | null> {
  if (!isUuid(id)) return null;
  const rows = returnedRows<Row>(await db.query(
    `UPDATE webhook_endpoints SET
       url = coalesce($4, url),
       events = CASE WHEN $5 THEN $6::text[] ELSE events END,
       human_only = coalesce($7, human_only),
       enabled = coalesce($8, enabled),
       disabled_reason = CASE WHEN $8 IS NULL THEN disabled_reason WHEN $8 THEN NULL ELSE 'BY_USER' END,
       updated_at = now()
     WHERE org_id = $1 AND team_id = $2 AND id = $3
     RETURNING ${COLUMNS}`,
    [scope.orgId, scope.teamId, id, changes.url ?? null, changes.events !== undefined, changes.events ?? null, changes.humanOnly ?? null, changes.enabled ?? null],
  ));
  return rows[0] ? toRecord(rows[0]) : null;
}

/** A new secret; the one it replaces keeps signing beside it for 24 hours. */
export async function rotateEndpointSecret(db: DataSource, key: Buffer, scope: EndpointScope, id: string): Promise<{ endpoint: EndpointRecord; secret: string } | null> {
  if (!isUuid(id)) return null;
  const secret = newEndpointSecret();
  const rows = returnedRows<Row>(await db.query(
    `UPDATE webhook_endpoints SET
       previous_secret_enc = secret_enc, previous_secret_until = now() + make_interval(secs => $5),
       secret_enc = $4, updated_at = now()
     WHERE org_id = $1 AND team_id = $2 AND id = $3
     RETURNING ${COLUMNS}`,
    [scope.orgId, scope.teamId, id, sealEndpointSecret(key, secret, scope.orgId, id), ROTATION_OVERLAP_MS / 1000],
  ));
  return rows[0] ? { endpoint: toRecord(rows[0]), secret } : null;
}

/** The endpoint and its delivery records go; nothing more is sent to it. */
export async function deleteEndpoint(db: DataSource, scope: EndpointScope, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return db.transaction(async (tx) => {
    const rows = returnedRows<{ id: string }>(await tx.query(`DELETE FROM webhook_endpoints WHERE org_id = $1 AND team_id = $2 AND id = $3 RETURNING id`, [scope.orgId, scope.teamId, id]));
    if (rows.length === 0) return false;
    await tx.query(`DELETE FROM webhook_deliveries WHERE org_id = $1 AND endpoint_id = $2`, [scope.orgId, id]);
    return true;
  });
}
