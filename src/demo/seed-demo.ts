// Writes the demo organisation into the database. Re-running replaces that
// organisation's rows and touches no other. The planned requests go through
// the service's own classifier and event writer, so bot and MPP flags,
// dedupe, counters on sends and links, and the stats rollups are exactly what
// live traffic would have left.
import type { DataSource, EntityManager } from 'typeorm';
import { classifyRecipient } from '../breakdowns/mailbox-providers';
import type { RequestClassifier } from '../events/classify';
import type { IpHasher, TrackingEventInput } from '../events/event';
import { writeEvents } from '../events/write-events';
import { addLinkFigures, addSendFigures } from '../rollups/contributions';
import { deleteAllSends } from '../rollups/move-sends';
import { compactSendStats } from '../stats/compaction';
import { DEMO_CAMPAIGNS, DEMO_DAYS, DEMO_TEMPLATES } from './demo-cast';
import { planDemo, type DemoPlan, type PlannedSend } from './plan-demo';

export const DEMO_ORG = 'demo';
export const DEFAULT_DEMO_CONTACTS = 700;
export const DEFAULT_DEMO_SEED = 20_260_501;

export interface SeedOptions {
  orgId: string;
  /** about 4.5 sends per contact: the default gives a few thousand */
  contacts?: number;
  seed?: number;
  now?: Date;
  classifier: RequestClassifier;
  ipHasher: IpHasher;
}

export interface SeedSummary {
  sends: number;
  events: number;
  countedEvents: number;
  contacts: number;
  bounced: number;
  complained: number;
  sendsBySender: Record<string, number>;
  /** machine requests by the reason the classifier gave (BURST comes from the event writer) */
  botEventsByReason: Record<string, number>;
}

/** Rows per INSERT and events per writer batch (the recorder's own batch size). */
const CHUNK = 1_000;
const DAY = 86_400_000;
// What is left of the organisation once its sends are deleted with their figures (and their links, activity and events).
const ORGANISATION_TABLES = ['tracking_events', 'machine_clients', 'enrollments', 'contacts', 'campaigns', 'templates'];

type Column<T> = readonly [name: string, type: string, value: (row: T) => unknown];
const iso = (date: Date | null) => date?.toISOString() ?? null;

/** INSERT ... SELECT FROM unnest(arrays): one bound array per column, a chunk at a time. */
async function insertRows<T>(db: EntityManager, table: string, orgId: string, rows: readonly T[], columns: readonly Column<T>[]): Promise<void> {
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type], index) => `$${index + 2}::${type}[]`).join(', ');
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    await db.query(`INSERT INTO ${table} (org_id, ${names}) SELECT $1, * FROM unnest(${arrays})`, [
      orgId,
      ...columns.map(([, , value]) => chunk.map(value)),
    ]);
  }
}

const SEND_COLUMNS: readonly Column<PlannedSend>[] = [
  ['id', 'uuid', (send) => send.id],
  ['sent_at', 'timestamptz', (send) => iso(send.sentAt)],
  ['sender_id', 'text', (send) => send.senderId],
  ['sender_team_id', 'text', (send) => send.senderTeamId],
  ['contact_id', 'text', (send) => send.contactId],
  ['recipient_email', 'text', (send) => send.email],
  // As the instrumenter fixes them (the demo's addresses are at reserved .example domains: provider OTHER).
  ['recipient_domain', 'text', (send) => classifyRecipient(send.email).domain],
  ['mailbox_provider', 'text', (send) => classifyRecipient(send.email).provider],
  ['subject', 'text', (send) => send.subject],
  ['campaign_id', 'text', (send) => send.campaignId],
  ['template_id', 'text', (send) => send.templateId],
  ['enrollment_id', 'text', (send) => send.enrollmentId],
  ['step_index', 'integer', (send) => send.stepIndex],
  ['tracked', 'boolean', () => true],
  ['tracked_links', 'integer', (send) => send.links.length],
  ['status', 'text', (send) => send.status],
  ['status_changed_at', 'timestamptz', (send) => iso(send.statusChangedAt)],
];

async function insertPlan(db: EntityManager, orgId: string, plan: DemoPlan): Promise<void> {
  await insertRows(db, 'campaigns', orgId, DEMO_CAMPAIGNS, [['id', 'text', (c) => c.id], ['name', 'text', (c) => c.name]]);
  await insertRows(db, 'templates', orgId, DEMO_TEMPLATES, [['id', 'text', (t) => t.id], ['name', 'text', (t) => t.name]]);
  await insertRows(db, 'contacts', orgId, plan.contacts, [
    ['id', 'text', (c) => c.id],
    ['email', 'text', (c) => c.email],
    ['status', 'text', (c) => c.status],
    ['status_changed_at', 'timestamptz', (c) => iso(c.statusChangedAt)],
  ]);
  await insertRows(db, 'enrollments', orgId, plan.enrollments, [
    ['id', 'text', (e) => e.id],
    ['contact_id', 'text', (e) => e.contactId],
    ['campaign_id', 'text', (e) => e.campaignId],
    ['status', 'text', (e) => e.status],
  ]);
  await insertRows(db, 'sends', orgId, plan.sends, SEND_COLUMNS);
  const links = plan.sends.flatMap((send) => send.links.map((url, position) => ({ sendId: send.id, position, url })));
  await insertRows(db, 'send_links', orgId, links, [
    ['send_id', 'uuid', (l) => l.sendId],
    ['position', 'integer', (l) => l.position],
    ['url', 'text', (l) => l.url],
  ]);
  // What the sends and links add to the rollups, as the instrumenter adds them: before any event moves a counter.
  const ids = plan.sends.map((send) => send.id);
  await addSendFigures(db, orgId, ids, 1);
  await addLinkFigures(db, orgId, ids, 1);
}

/** The planned requests as the pixel and the redirect would hand them to the recorder, oldest first. */
function eventInputs(orgId: string, plan: DemoPlan, options: SeedOptions): TrackingEventInput[] {
  const inputs = plan.sends.flatMap((send) =>
    send.events.map((event): TrackingEventInput => {
      // As the routes decide it: the trap link by itself, everything else by user agent and plain address.
      const verdict = event.trap
        ? options.classifier.classifyTrap('GET', undefined)
        : options.classifier.classify('GET', event.userAgent, undefined, event.kind === 'OPEN' ? 'open' : 'click', event.clientIp);
      return {
        orgId,
        sendId: send.id,
        kind: event.kind,
        source: event.kind === 'OPEN' ? 'PIXEL' : 'REDIRECT',
        occurredAt: event.at,
        countable: verdict.countable,
        bot: verdict.bot,
        botReason: verdict.botReason,
        mpp: verdict.mpp,
        linkPosition: event.linkPosition,
        url: event.linkPosition === null ? null : send.links[event.linkPosition],
        userAgent: event.userAgent,
        ipHash: options.ipHasher.hash(send.id, event.clientIp),
      };
    }),
  );
  return inputs.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}

export async function seedDemoOrganisation(db: DataSource, options: SeedOptions): Promise<SeedSummary> {
  const now = options.now ?? new Date();
  const { orgId } = options;
  const plan = planDemo({ contacts: options.contacts ?? DEFAULT_DEMO_CONTACTS, now, seed: options.seed ?? DEFAULT_DEMO_SEED });
  const firstDay = new Date(now.getTime() - (DEMO_DAYS + 1) * DAY).toISOString().slice(0, 10);
  await db.query('SELECT ensure_tracking_event_partitions($1::date, $2::date)', [firstDay, now.toISOString().slice(0, 10)]);

  // Emptied in transactions of their own: deleting sends folds pending stats
  // deltas under the compaction lock, which should not wait for the inserts.
  await deleteAllSends(db, orgId);
  await db.transaction(async (manager) => {
    for (const table of ORGANISATION_TABLES) await manager.query(`DELETE FROM ${table} WHERE org_id = $1`, [orgId]);
  });
  const events = eventInputs(orgId, plan, options);
  await db.transaction(async (manager) => {
    await insertPlan(manager, orgId, plan);
    for (let start = 0; start < events.length; start += CHUNK) await writeEvents(manager, events.slice(start, start + CHUNK));
  });
  await compactSendStats(db);

  const sendsBySender: Record<string, number> = {};
  for (const send of plan.sends) sendsBySender[send.senderId] = (sendsBySender[send.senderId] ?? 0) + 1;
  // As stored: the machine rules turn counted events into bot events afterwards too.
  const stored: { counted: boolean; bot_reason: string | null; events: number }[] = await db.query(
    `SELECT counted, bot_reason, count(*)::int AS events FROM tracking_events WHERE org_id = $1 GROUP BY 1, 2`,
    [orgId],
  );
  const countedEvents = stored.filter((row) => row.counted).reduce((sum, row) => sum + row.events, 0);
  const botEventsByReason: Record<string, number> = {};
  for (const row of stored) if (row.bot_reason !== null) botEventsByReason[row.bot_reason] = (botEventsByReason[row.bot_reason] ?? 0) + row.events;
  return {
    sends: plan.sends.length,
    events: events.length,
    countedEvents,
    contacts: plan.contacts.length,
    bounced: plan.contacts.filter((contact) => contact.status === 'BOUNCED').length,
    complained: plan.contacts.filter((contact) => contact.status === 'COMPLAINED').length,
    sendsBySender,
    botEventsByReason,
  };
}
