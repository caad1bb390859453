// Settling: outbox rows that are due become deliveries, one per endpoint that
// wants them, with the body built from the event as it stands now (an open
// or click once its machine window has closed). A reclassification goes to
// the endpoints that were told its event counted. One unlocked read finds
// the organisations with due rows; then one transaction per organisation and
// batch, every statement filtered by that organisation (on Citus: its shard
// alone), claimed with SKIP LOCKED, so instances settle disjoint rows, and a
// crash leaves the rows where they were.
import type { DataSource, EntityManager } from 'typeorm';
import type { BotReason, EventSource } from '../events/event';
import { bodySaidCounted, endpointWants, eventBody, type EndpointFilter, type EngagementType, type SettledEvent } from './event-body';

/** How long a reclassification waits while its original is itself still being settled. */
const RECHECK_MS = 2_000;

/** Organisations settled per pass; the rest wait for the next (the longest-waiting go first). */
const ORGANISATIONS_PER_PASS = 1_000;

// Across organisations, without locks (on Citus, a read of every shard; no
// index leads with due_at, since every key leads with org_id: a scan of the
// outbox, which holds about a minute's events of organisations with endpoints).
const DUE_ORGANISATIONS = `
  SELECT org_id FROM webhook_outbox WHERE due_at <= now() GROUP BY org_id ORDER BY min(due_at) LIMIT $1`;

// webhook_outbox_due_idx, one organisation.
const CLAIM_DUE = `
  SELECT id, type, event_id FROM webhook_outbox
  WHERE org_id = $1 AND due_at <= now() ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`;

interface DueRow {
  id: string;
  type: EngagementType;
  event_id: string;
}

// The outbox's primary key; an original still queued (even locked by another
// settler, whose delete is not committed) holds its reclassification back.
const STILL_QUEUED = `SELECT id FROM webhook_outbox WHERE org_id = $1 AND id = ANY ($2::uuid[])`;

// sends and tracking_events by primary key, every table filtered by the
// organisation ($1) itself. first_for_send: no earlier counted event of the
// same kind on the send (a range of the same key).
const READ_SETTLED = `
  SELECT o.id, o.type, o.event_id, o.send_id, o.occurred_at,
         s.sender_team_id, s.campaign_id, s.template_id, s.enrollment_id, s.step_index, s.sender_id, s.contact_id,
         s.recipient_email = '' AS erased,
         e.id IS NOT NULL AS found, e.source, e.counted, e.bot, e.bot_reason, e.mpp, e.url,
         e.counted AND NOT EXISTS (
           SELECT FROM tracking_events p
           WHERE p.org_id = $1 AND p.send_id = e.send_id AND p.occurred_at <= e.occurred_at
             AND p.kind = e.kind AND p.counted AND (p.occurred_at, p.id) < (e.occurred_at, e.id)) AS first_for_send
  FROM webhook_outbox o
  JOIN sends s ON s.org_id = $1 AND s.id = o.send_id
  LEFT JOIN tracking_events e ON o.type IN ('OPENED', 'CLICKED', 'RECLASSIFIED')
    AND e.org_id = $1 AND e.send_id = o.send_id AND e.occurred_at = o.occurred_at AND e.id = o.event_id
  WHERE o.org_id = $1 AND o.id = ANY ($2::uuid[])`;

interface SettledRow {
  id: string;
  type: EngagementType;
  event_id: string;
  send_id: string;
  occurred_at: Date;
  sender_team_id: string | null;
  campaign_id: string | null;
  template_id: string | null;
  enrollment_id: string | null;
  step_index: number | null;
  sender_id: string;
  contact_id: string;
  erased: boolean;
  found: boolean;
  source: EventSource | null;
  counted: boolean | null;
  bot: boolean | null;
  bot_reason: BotReason | null;
  mpp: boolean | null;
  url: string | null;
  first_for_send: boolean | null;
}

const ENDPOINTS = `SELECT id, team_id, events, human_only FROM webhook_endpoints WHERE org_id = $1 AND enabled`;

interface EndpointRow {
  id: string;
  team_id: string;
  events: EngagementType[] | null;
  human_only: boolean;
}

// webhook_deliveries_message_idx: where the original went, and what it said.
const ORIGINALS = `SELECT id, endpoint_id, message_id, status, payload FROM webhook_deliveries WHERE org_id = $1 AND message_id = ANY ($2::uuid[])`;

interface OriginalRow {
  id: string;
  endpoint_id: string;
  message_id: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  payload: string;
}

// The organisation a scalar, as in the event writer's inserts: on Citus the
// rows go to its shard.
const INSERT_DELIVERIES = `
  INSERT INTO webhook_deliveries (org_id, endpoint_id, message_id, event_id, type, send_id, contact_id, payload, after_id)
  SELECT $1::text, u.* FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::uuid[]) AS u
  ON CONFLICT DO NOTHING`;

const DELETE_SETTLED = `DELETE FROM webhook_outbox WHERE org_id = $1 AND id = ANY ($2::uuid[])`;

const POSTPONE = `UPDATE webhook_outbox SET due_at = now() + make_interval(secs => $3) WHERE org_id = $1 AND id = ANY ($2::uuid[])`;

interface NewDelivery {
  endpointId: string;
  messageId: string;
  eventId: string;
  type: EngagementType;
  sendId: string;
  contactId: string;
  payload: string;
  afterId: string | null;
}

function settledEvent(row: SettledRow): SettledEvent {
  const engagement =
    row.type === 'OPENED' || row.type === 'CLICKED' || row.type === 'RECLASSIFIED'
      ? {
          counted: row.counted === true,
          bot: row.bot === true,
          botReason: row.bot_reason,
          mpp: row.mpp === true,
          firstForSend: row.first_for_send === true,
          url: row.url,
          // data-track-name is not stored with the links yet: no name to give.
          linkName: null,
        }
      : null;
  return {
    eventId: row.event_id,
    sendId: row.send_id,
    senderTeamId: row.sender_team_id,
    campaignId: row.campaign_id,
    templateId: row.template_id,
    enrollmentId: row.enrollment_id,
    stepIndex: row.step_index,
    senderId: row.sender_id,
    contactId: row.contact_id,
    occurredAt: row.occurred_at,
    source: row.source ?? 'WEBHOOK',
    engagement,
  };
}

const filterOf = (endpoint: EndpointRow): EndpointFilter => ({ teamId: endpoint.team_id, events: endpoint.events, humanOnly: endpoint.human_only });

async function fanOut(db: EntityManager, orgId: string, rows: readonly SettledRow[]): Promise<NewDelivery[]> {
  const endpoints: EndpointRow[] = await db.query(ENDPOINTS, [orgId]);
  const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));

  const reclassified = rows.filter((row) => row.type === 'RECLASSIFIED');
  const originals: OriginalRow[] = reclassified.length === 0 ? [] : await db.query(ORIGINALS, [orgId, reclassified.map((row) => row.event_id)]);
  const originalsOf = new Map<string, OriginalRow[]>();
  for (const original of originals) {
    const group = originalsOf.get(original.message_id);
    if (group) group.push(original);
    else originalsOf.set(original.message_id, [original]);
  }

  const deliveries: NewDelivery[] = [];
  for (const row of rows) {
    const event = settledEvent(row);
    const payload = eventBody(row.type, event);
    const base = { messageId: row.id, eventId: row.event_id, type: row.type, sendId: row.send_id, contactId: row.contact_id, payload };
    if (row.type !== 'RECLASSIFIED') {
      for (const endpoint of endpoints) {
        if (endpointWants(filterOf(endpoint), row.type, event)) deliveries.push({ ...base, endpointId: endpoint.id, afterId: null });
      }
      continue;
    }
    // Only where the original went out counted (or is going out so): the
    // others never heard of it as a person's. After the original, in order.
    for (const original of originalsOf.get(row.event_id) ?? []) {
      const endpoint = byId.get(original.endpoint_id);
      if (!endpoint || original.status === 'FAILED' || !bodySaidCounted(original.payload)) continue;
      if (!endpointWants(filterOf(endpoint), 'RECLASSIFIED', event)) continue;
      deliveries.push({ ...base, endpointId: endpoint.id, afterId: original.status === 'PENDING' ? original.id : null });
    }
  }
  return deliveries;
}

/** Settles up to `limit` of the organisation's due outbox rows in one transaction; returns how many it took (postponed ones included). */
async function settleOrganisation(db: DataSource, orgId: string, limit: number): Promise<{ claimed: number; deliveries: number }> {
  return db.transaction(async (tx) => {
    const due: DueRow[] = await tx.query(CLAIM_DUE, [orgId, limit]);
    if (due.length === 0) return { claimed: 0, deliveries: 0 };
    const originals = due.filter((row) => row.type === 'RECLASSIFIED').map((row) => row.event_id);
    const stillQueued: { id: string }[] = originals.length === 0 ? [] : await tx.query(STILL_QUEUED, [orgId, originals]);
    const queued = new Set(stillQueued.map((row) => row.id));
    const waits = (row: DueRow) => row.type === 'RECLASSIFIED' && queued.has(row.event_id);
    const held = due.filter(waits);
    if (held.length > 0) await tx.query(POSTPONE, [orgId, held.map((row) => row.id), RECHECK_MS / 1000]);
    const ready = due.filter((row) => !waits(row)).map((row) => row.id);
    if (ready.length === 0) return { claimed: due.length, deliveries: 0 };

    const settled: SettledRow[] = await tx.query(READ_SETTLED, [orgId, ready]);
    // Gone: erased (the send's address blanked, its events deleted) or pruned.
    const live = settled.filter((row) => !row.erased && (row.found || (row.type !== 'OPENED' && row.type !== 'CLICKED' && row.type !== 'RECLASSIFIED')));
    const deliveries = live.length === 0 ? [] : await fanOut(tx, orgId, live);
    if (deliveries.length > 0) {
      await tx.query(INSERT_DELIVERIES, [
        orgId,
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.messageId),
        deliveries.map((d) => d.eventId),
        deliveries.map((d) => d.type),
        deliveries.map((d) => d.sendId),
        deliveries.map((d) => d.contactId),
        deliveries.map((d) => d.payload),
        deliveries.map((d) => d.afterId),
      ]);
    }
    await tx.query(DELETE_SETTLED, [orgId, ready]);
    return { claimed: due.length, deliveries: deliveries.length };
  });
}

/**
 * One pass: up to `limit` due outbox rows of each organisation that has any
 * (at most ORGANISATIONS_PER_PASS of them). `more`: some are surely left. An
 * organisation whose transaction fails does not hold the others up; the
 * first error is thrown at the end, and its rows are tried again next pass.
 */
export async function settleDue(db: DataSource, limit: number): Promise<{ claimed: number; deliveries: number; more: boolean }> {
  const orgs: { org_id: string }[] = await db.query(DUE_ORGANISATIONS, [ORGANISATIONS_PER_PASS]);
  const total = { claimed: 0, deliveries: 0, more: orgs.length === ORGANISATIONS_PER_PASS };
  let failure: unknown = null;
  for (const { org_id: orgId } of orgs) {
    try {
      const { claimed, deliveries } = await settleOrganisation(db, orgId, limit);
      total.claimed += claimed;
      total.deliveries += deliveries;
      total.more ||= claimed === limit;
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== null) throw failure;
  return total;
}
