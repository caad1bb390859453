// Settling: outbox rows that are due become deliveries, one per endpoint that
// wants them, with the body built from the event as it stands now (an open
// or click once its machine window has closed). A reclassification goes to
// the endpoints that were told its event counted. One transaction per batch:
// claimed with SKIP LOCKED, so instances settle disjoint rows, and a crash
// leaves the rows where they were.
import type { DataSource, EntityManager } from 'typeorm';
import type { BotReason, EventSource } from '../events/event';
import { bodySaidCounted, endpointWants, eventBody, type EndpointFilter, type EngagementType, type SettledEvent } from './event-body';

/** How long a reclassification waits while its original is itself still being settled. */
const RECHECK_MS = 2_000;

// Across organisations: the one place besides the delivery claim that is
// (docs/outbound-webhooks.md, "Several instances").
const CLAIM_DUE = `
  SELECT org_id, id, type, event_id FROM webhook_outbox
  WHERE due_at <= now() ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED`;

interface DueRow {
  org_id: string;
  id: string;
  type: EngagementType;
  event_id: string;
}

// The outbox's primary key; an original still queued (even locked by another
// settler, whose delete is not committed) holds its reclassification back.
const STILL_QUEUED = `
  SELECT k.org_id, k.id FROM unnest($1::text[], $2::uuid[]) AS k(org_id, id)
  WHERE EXISTS (SELECT FROM webhook_outbox o WHERE o.org_id = k.org_id AND o.id = k.id)`;

// sends and tracking_events by primary key. first_for_send: no earlier
// counted event of the same kind on the send (a range of the same key).
const READ_SETTLED = `
  SELECT o.org_id, o.id, o.type, o.event_id, o.send_id, o.occurred_at,
         s.sender_team_id, s.campaign_id, s.template_id, s.enrollment_id, s.step_index, s.sender_id, s.contact_id,
         s.recipient_email = '' AS erased,
         e.id IS NOT NULL AS found, e.source, e.counted, e.bot, e.bot_reason, e.mpp, e.url,
         e.counted AND NOT EXISTS (
           SELECT FROM tracking_events p
           WHERE p.org_id = e.org_id AND p.send_id = e.send_id AND p.occurred_at <= e.occurred_at
             AND p.kind = e.kind AND p.counted AND (p.occurred_at, p.id) < (e.occurred_at, e.id)) AS first_for_send
  FROM unnest($1::text[], $2::uuid[]) AS k(org_id, id)
  JOIN webhook_outbox o ON o.org_id = k.org_id AND o.id = k.id
  JOIN sends s ON s.org_id = o.org_id AND s.id = o.send_id
  LEFT JOIN tracking_events e ON o.type IN ('OPENED', 'CLICKED', 'RECLASSIFIED')
    AND e.org_id = o.org_id AND e.send_id = o.send_id AND e.occurred_at = o.occurred_at AND e.id = o.event_id`;

interface SettledRow {
  org_id: string;
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

const ENDPOINTS = `
  SELECT org_id, id, team_id, events, human_only FROM webhook_endpoints
  WHERE org_id = ANY ($1::text[]) AND enabled`;

interface EndpointRow {
  org_id: string;
  id: string;
  team_id: string;
  events: EngagementType[] | null;
  human_only: boolean;
}

// webhook_deliveries_message_idx: where the original went, and what it said.
const ORIGINALS = `
  SELECT d.org_id, d.id, d.endpoint_id, d.message_id, d.status, d.payload
  FROM unnest($1::text[], $2::uuid[]) AS k(org_id, message_id)
  JOIN webhook_deliveries d ON d.org_id = k.org_id AND d.message_id = k.message_id`;

interface OriginalRow {
  org_id: string;
  id: string;
  endpoint_id: string;
  message_id: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  payload: string;
}

const INSERT_DELIVERIES = `
  INSERT INTO webhook_deliveries (org_id, endpoint_id, message_id, event_id, type, send_id, contact_id, payload, after_id)
  SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::uuid[])
  ON CONFLICT DO NOTHING`;

const DELETE_SETTLED = `
  DELETE FROM webhook_outbox o USING unnest($1::text[], $2::uuid[]) AS k(org_id, id)
  WHERE o.org_id = k.org_id AND o.id = k.id`;

const POSTPONE = `
  UPDATE webhook_outbox o SET due_at = now() + make_interval(secs => $3)
  FROM unnest($1::text[], $2::uuid[]) AS k(org_id, id)
  WHERE o.org_id = k.org_id AND o.id = k.id`;

interface NewDelivery {
  orgId: string;
  endpointId: string;
  messageId: string;
  eventId: string;
  type: EngagementType;
  sendId: string;
  contactId: string;
  payload: string;
  afterId: string | null;
}

const key = (orgId: string, id: string) => `${orgId}\n${id}`;

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

async function fanOut(db: EntityManager, rows: readonly SettledRow[]): Promise<NewDelivery[]> {
  const orgs = [...new Set(rows.map((row) => row.org_id))];
  const endpoints: EndpointRow[] = await db.query(ENDPOINTS, [orgs]);
  const byOrg = new Map<string, EndpointRow[]>();
  for (const endpoint of endpoints) byOrg.set(endpoint.org_id, [...(byOrg.get(endpoint.org_id) ?? []), endpoint]);
  const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));

  const reclassified = rows.filter((row) => row.type === 'RECLASSIFIED');
  const originals: OriginalRow[] = reclassified.length === 0 ? [] : await db.query(ORIGINALS, [reclassified.map((row) => row.org_id), reclassified.map((row) => row.event_id)]);
  const originalsOf = new Map<string, OriginalRow[]>();
  for (const original of originals) originalsOf.set(key(original.org_id, original.message_id), [...(originalsOf.get(key(original.org_id, original.message_id)) ?? []), original]);

  const deliveries: NewDelivery[] = [];
  for (const row of rows) {
    const event = settledEvent(row);
    const payload = eventBody(row.type, event);
    const base = { orgId: row.org_id, messageId: row.id, eventId: row.event_id, type: row.type, sendId: row.send_id, contactId: row.contact_id, payload };
    if (row.type !== 'RECLASSIFIED') {
      for (const endpoint of byOrg.get(row.org_id) ?? []) {
        if (endpointWants(filterOf(endpoint), row.type, event)) deliveries.push({ ...base, endpointId: endpoint.id, afterId: null });
      }
      continue;
    }
    // Only where the original went out counted (or is going out so): the
    // others never heard of it as a person's. After the original, in order.
    for (const original of originalsOf.get(key(row.org_id, row.event_id)) ?? []) {
      const endpoint = byId.get(original.endpoint_id);
      if (!endpoint || original.status === 'FAILED' || !bodySaidCounted(original.payload)) continue;
      if (!endpointWants(filterOf(endpoint), 'RECLASSIFIED', event)) continue;
      deliveries.push({ ...base, endpointId: endpoint.id, afterId: original.status === 'PENDING' ? original.id : null });
    }
  }
  return deliveries;
}

/** Settles up to `limit` due outbox rows; returns how many rows it took (postponed ones included). */
export async function settleDue(db: DataSource, limit: number): Promise<{ claimed: number; deliveries: number }> {
  return db.transaction(async (tx) => {
    const due: DueRow[] = await tx.query(CLAIM_DUE, [limit]);
    if (due.length === 0) return { claimed: 0, deliveries: 0 };
    const reclassified = due.filter((row) => row.type === 'RECLASSIFIED');
    const waiting = new Set<string>();
    if (reclassified.length > 0) {
      const queued: { org_id: string; id: string }[] = await tx.query(STILL_QUEUED, [reclassified.map((row) => row.org_id), reclassified.map((row) => row.event_id)]);
      const queuedKeys = new Set(queued.map((row) => key(row.org_id, row.id)));
      for (const row of reclassified) if (queuedKeys.has(key(row.org_id, row.event_id))) waiting.add(key(row.org_id, row.id));
    }
    const held = due.filter((row) => waiting.has(key(row.org_id, row.id)));
    if (held.length > 0) await tx.query(POSTPONE, [held.map((row) => row.org_id), held.map((row) => row.id), RECHECK_MS / 1000]);
    const ready = due.filter((row) => !waiting.has(key(row.org_id, row.id)));
    if (ready.length === 0) return { claimed: due.length, deliveries: 0 };

    const ids = [ready.map((row) => row.org_id), ready.map((row) => row.id)];
    const settled: SettledRow[] = await tx.query(READ_SETTLED, ids);
    // Gone: erased (the send's address blanked, its events deleted) or pruned.
    const live = settled.filter((row) => !row.erased && (row.found || (row.type !== 'OPENED' && row.type !== 'CLICKED' && row.type !== 'RECLASSIFIED')));
    const deliveries = live.length === 0 ? [] : await fanOut(tx, live);
    if (deliveries.length > 0) {
      await tx.query(INSERT_DELIVERIES, [
        deliveries.map((d) => d.orgId),
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
    await tx.query(DELETE_SETTLED, ids);
    return { claimed: due.length, deliveries: deliveries.length };
  });
}
