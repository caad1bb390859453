// The two reads of live activity: one written batch's events, read once per
// instance for all its streams, and the latest events of what a caller may
// see (Query.activity). Both read the raw events as they are now, with their
// send's attribution; every statement is led by one organisation.
import type { DataSource } from 'typeorm';
import type { BotReason, EventKind, EventSource } from '../events/event';
import { AD_HOC_TEMPLATE_ID } from '../stats/ad-hoc';
import type { ActivityEvent, ActivityFilter } from './activity-event';

interface ActivityRow {
  id: string;
  kind: EventKind;
  source: EventSource;
  occurred_at: Date;
  counted: boolean;
  bot: boolean;
  bot_reason: BotReason | null;
  mpp: boolean;
  url: string | null;
  reclassified: boolean;
  send_id: string;
  sender_id: string;
  campaign_id: string | null;
  template_id: string | null;
  contact_id: string;
  recipient_email: string;
  subject: string | null;
}

const COLUMNS = `e.id, e.kind, e.source, e.occurred_at, e.counted, e.bot, e.bot_reason, e.mpp, e.url,
  s.id AS send_id, s.sender_id, s.campaign_id, s.template_id, s.contact_id, s.recipient_email, s.subject`;

// The batch's keys probe tracking_events' primary key (org_id, send_id,
// occurred_at, id) and sends' (org_id, id). The time is matched within a
// millisecond, as the writer stores it from epoch milliseconds; the id
// makes the match exact.
const BATCH_EVENTS = `
  SELECT ${COLUMNS}, k.reclassified
  FROM live_batches b
  CROSS JOIN LATERAL unnest(b.send_ids, b.occurred_ms, b.event_ids, b.reclassified) WITH ORDINALITY AS k(send_id, ms, id, reclassified, position)
  JOIN tracking_events e ON e.org_id = b.org_id AND e.send_id = k.send_id AND e.id = k.id
    AND e.occurred_at BETWEEN to_timestamp((k.ms - 1) / 1000.0) AND to_timestamp((k.ms + 1) / 1000.0)
  JOIN sends s ON s.org_id = b.org_id AND s.id = k.send_id
  WHERE b.org_id = $1 AND b.id = $2
  ORDER BY k.position`;

function toActivity(row: ActivityRow): ActivityEvent {
  return {
    id: row.id,
    type: row.reclassified ? 'RECLASSIFIED' : row.kind === 'OPEN' ? 'OPENED' : 'CLICKED',
    occurredAt: row.occurred_at,
    sendId: row.send_id,
    senderId: row.sender_id,
    campaignId: row.campaign_id,
    templateId: row.template_id,
    contactId: row.contact_id,
    email: row.recipient_email,
    subject: row.subject,
    source: row.source,
    counted: row.counted,
    bot: row.bot,
    botReason: row.bot_reason,
    mpp: row.mpp,
    url: row.url,
  };
}

/** One batch's events as they are now, in the order written; empty when the batch is gone (pruned). */
export async function readBatchActivity(db: DataSource, orgId: string, batchId: string): Promise<ActivityEvent[]> {
  const rows: ActivityRow[] = await db.query(BATCH_EVENTS, [orgId, batchId]);
  return rows.map(toActivity);
}

/**
 * The latest retained events the filter sees, newest first, as OPENED and
 * CLICKED with their flags as they are now. tracking_events_latest_idx walks
 * the organisation's events backwards in time; a sender, campaign or template
 * narrows through the join to sends (PostgreSQL picks the sends index first
 * when the scope is small). The index is partial on a condition only this
 * query states (migration 1765100000000: the writer's probes must never
 * match it); it holds for every event.
 */
export async function latestActivity(db: DataSource, filter: ActivityFilter, limit: number): Promise<ActivityEvent[]> {
  const values: unknown[] = [filter.orgId];
  const where = ['e.org_id = $1', `e.recorded_at > '-infinity'`];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    values.push(value);
    where.push(condition(`$${values.length}`));
  };
  if (filter.senderId !== null) add((p) => `s.sender_id = ${p}`, filter.senderId);
  if (filter.campaignId !== null) add((p) => `s.campaign_id = ${p}`, filter.campaignId);
  if (filter.templateId === AD_HOC_TEMPLATE_ID) where.push('s.template_id IS NULL');
  else if (filter.templateId !== null) add((p) => `s.template_id = ${p}`, filter.templateId);
  if (filter.humanOnly) where.push('e.counted AND NOT e.bot AND NOT e.mpp');
  values.push(limit);
  const rows: ActivityRow[] = await db.query(
    `SELECT ${COLUMNS}, false AS reclassified
     FROM tracking_events e JOIN sends s ON s.org_id = e.org_id AND s.id = e.send_id
     WHERE ${where.join(' AND ')}
     ORDER BY e.occurred_at DESC, e.id DESC
     LIMIT $${values.length}`,
    values,
  );
  return rows.map(toActivity);
}
