// The outbox: what the recording transactions hand to outbound webhooks, in
// the same transaction, so an event is announced if and only if it was
// stored. Insert-only; per organisation in the batch, one probe for an
// enabled endpoint, and only then one statement that also looks at the
// endpoints' types and humanOnly, so nothing is queued that none wants.
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import type { WrittenBatch } from '../events/written-batch';
import { MACHINE_MARGIN_MS } from '../events/machine-rules';
import type { EngagementType } from './event-body';

/**
 * How long after an open or click its machine window (contract section 4)
 * may still change it, plus how late events can reach PostgreSQL after they
 * happen (the journal's write lag, about 10 s at worst): then it is settled.
 */
export const SETTLE_AFTER_MS = MACHINE_MARGIN_MS;
export const WRITER_LAG_MS = 10_000;

interface OutboxRow {
  orgId: string;
  /** the message's webhook-id */
  id: string;
  type: EngagementType;
  eventId: string;
  sendId: string;
  /** epoch ms */
  at: number;
  /** a person's counted open or click: the only ones humanOnly endpoints take */
  human: boolean;
}

// The cheap check first: a batch's arrays cost about 7 µs an event to send
// and unpack (writer bench), which an organisation without an enabled
// endpoint, most of them, should not pay. webhook_endpoints' primary key.
const HAS_ENDPOINTS = {
  name: 'outbound_has_endpoints_v1',
  text: `SELECT EXISTS (SELECT FROM webhook_endpoints WHERE org_id = $1 AND enabled) AS any`,
};

// The outbox's primary key makes a retried batch queue nothing twice. No
// volatile function in the select list, and $1 typed: on Citus the SELECT
// runs on the organisation's shard and its rows are copied in; Citus 13 lifts
// a volatile entry (gen_random_uuid()) out of it and points it at $1's
// unnamed column ("COALESCE types text and uuid cannot be matched").
const QUEUE = {
  name: 'outbound_queue_v2',
  text: `WITH endpoints AS MATERIALIZED (
           SELECT events, human_only FROM webhook_endpoints WHERE org_id = $1 AND enabled)
         INSERT INTO webhook_outbox (org_id, id, type, event_id, send_id, occurred_at, due_at)
         SELECT $1::text, u.id, u.type, u.event_id, u.send_id, to_timestamp(u.at / 1000.0),
                CASE WHEN u.type IN ('OPENED', 'CLICKED')
                  THEN greatest(to_timestamp(u.at / 1000.0) + make_interval(secs => $8), now()) + make_interval(secs => $9)
                  ELSE now() END
         FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::float8[], $7::boolean[]) AS u(id, type, event_id, send_id, at, human)
         WHERE EXISTS (
           SELECT FROM endpoints e
           WHERE (e.events IS NULL OR u.type = ANY (e.events))
             AND (u.human OR NOT e.human_only OR u.type NOT IN ('OPENED', 'CLICKED')))
         ON CONFLICT DO NOTHING`,
};

async function queue(db: EntityManager, rows: readonly OutboxRow[]): Promise<void> {
  const byOrg = new Map<string, OutboxRow[]>();
  for (const row of rows) byOrg.set(row.orgId, [...(byOrg.get(row.orgId) ?? []), row]);
  for (const [orgId, group] of byOrg) {
    const [{ any }] = await runPrepared<{ any: boolean }>(db, HAS_ENDPOINTS, [orgId]);
    if (!any) continue;
    await runPrepared(db, QUEUE, [
      orgId,
      group.map((row) => row.id),
      group.map((row) => row.type),
      group.map((row) => row.eventId),
      group.map((row) => row.sendId),
      group.map((row) => row.at),
      group.map((row) => row.human),
      SETTLE_AFTER_MS / 1000,
      WRITER_LAG_MS / 1000,
    ]);
  }
}

/**
 * The event writer's step (events/write-events.ts): every stored open and
 * click, to go out once settled, and every stored event that stopped being
 * counted, which goes out as email.reclassified where it went out counted.
 */
export async function queueWrittenEvents(db: EntityManager, written: WrittenBatch): Promise<void> {
  if (written.stored.length === 0 && written.reclassified.length === 0) return;
  await queue(db, [
    ...written.stored.map((event) => ({
      orgId: event.orgId,
      id: event.id,
      type: (event.kind === 'OPEN' ? 'OPENED' : 'CLICKED') as EngagementType,
      eventId: event.id,
      sendId: event.sendId,
      at: event.occurredAt,
      human: event.counted && !event.bot && !event.mpp,
    })),
    ...written.reclassified.map((event) => ({
      orgId: event.orgId,
      // a webhook-id of its own: the reclassification is a message apart from its event
      id: randomUUID(),
      type: 'RECLASSIFIED' as const,
      eventId: event.id,
      sendId: event.sendId,
      at: event.occurredAt,
      human: true,
    })),
  ]);
}

/** What the Mailgun webhook path knows of a verified event (webhooks/apply-effects.ts). */
export interface MailgunOutcome {
  event: { id: string; type: string; severity: string | null; occurredAt: Date };
  send: { orgId: string; sendId: string };
}

function outcomeType({ type, severity }: MailgunOutcome['event']): EngagementType | null {
  if (type === 'failed' && severity === 'permanent') return 'BOUNCED';
  if (type === 'complained') return 'COMPLAINED';
  if (type === 'unsubscribed') return 'UNSUBSCRIBED';
  return null;
}

/** A stable id per organisation and Mailgun event: a redelivered webhook queues nothing new. */
function messageIdOf(orgId: string, mailgunEventId: string): string {
  const hex = createHash('sha256').update(JSON.stringify(['outbound', orgId, mailgunEventId])).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The Mailgun webhook's step: permanent bounces, complaints and unsubscribes go out at once. */
export async function queueMailgunOutcomes(db: EntityManager, verified: readonly MailgunOutcome[]): Promise<void> {
  const rows: OutboxRow[] = [];
  for (const { event, send } of verified) {
    const type = outcomeType(event);
    if (type === null) continue;
    const id = messageIdOf(send.orgId, event.id);
    rows.push({ orgId: send.orgId, id, type, eventId: id, sendId: send.sendId, at: event.occurredAt.getTime(), human: true });
  }
  if (rows.length > 0) await queue(db, rows);
}
