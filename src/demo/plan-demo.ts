// The demo organisation as plain data, before any database: contacts,
// enrollments, and sends over the last DEMO_DAYS with the requests each got.
// Sends are walked in time order so suppression works as on the real
// service: after a hard bounce or a complaint a contact gets nothing more
// (the CRM's next send would be refused with CONTACT_SUPPRESSED).
import {
  AD_HOC_LINKS, AD_HOC_SUBJECTS, COMPANY_DOMAINS, DEMO_CAMPAIGNS, DEMO_DAYS, DEMO_TEMPLATES, DEMO_USERS, FIRST_NAMES,
  LAST_NAMES, ONE_OFF_TEMPLATES, type DemoUser,
} from './demo-cast';
import { drawReader, engagementOf, type PlannedEvent, type Reader } from './demo-engagement';
import { DemoRandom } from './demo-random';

export interface PlanOptions {
  /** contacts in the organisation; sends come to about 4.5 per contact */
  contacts: number;
  now: Date;
  seed: number;
}

export interface PlannedContact {
  id: string;
  email: string;
  status: 'ACTIVE' | 'BOUNCED' | 'COMPLAINED';
  statusChangedAt: Date | null;
}

export interface PlannedEnrollment {
  id: string;
  contactId: string;
  campaignId: string;
  status: 'ACTIVE' | 'UNENROLLED';
}

export interface PlannedSend {
  id: string;
  sentAt: Date;
  senderId: string;
  senderTeamId: string | null;
  contactId: string;
  email: string;
  subject: string;
  campaignId: string | null;
  templateId: string | null;
  enrollmentId: string | null;
  stepIndex: number | null;
  status: 'SENT' | 'DEFERRED' | 'FAILED';
  statusChangedAt: Date | null;
  links: readonly string[];
  events: PlannedEvent[];
}

export interface DemoPlan {
  contacts: PlannedContact[];
  enrollments: PlannedEnrollment[];
  sends: PlannedSend[];
}

interface Person extends PlannedContact {
  owner: DemoUser;
  reader: Reader;
  badAddress: boolean;
  complainer: boolean;
  /** from this time on, no send reaches the contact */
  suppressedAt: number;
}

/** An email the CRM means to send; it becomes a send unless the contact is suppressed by then. */
interface Intent {
  at: number;
  person: Person;
  sender: DemoUser;
  templateId: string | null;
  campaign: { id: string; appeal: number; enrollmentId: string; step: number } | null;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** A personal email from someone the contact deals with interests more than a campaign. */
const ONE_OFF_APPEAL = 0.9;
const templatesById = new Map(DEMO_TEMPLATES.map((template) => [template.id, template]));
const usersById = new Map(DEMO_USERS.map((user) => [user.id, user]));

function drawPeople(random: DemoRandom, count: number): Person[] {
  const emails = new Set<string>();
  return Array.from({ length: count }, (_, index) => {
    let email = `${random.pick(FIRST_NAMES)}.${random.pick(LAST_NAMES)}@${random.pick(COMPANY_DOMAINS)}`;
    if (emails.has(email)) email = email.replace('@', `${index}@`);
    emails.add(email);
    return {
      id: `contact-${String(index + 1).padStart(4, '0')}`,
      email,
      status: 'ACTIVE',
      statusChangedAt: null,
      owner: random.weighted(DEMO_USERS, (user) => user.weight),
      reader: drawReader(random, index),
      badAddress: random.chance(0.03),
      complainer: random.chance(0.015),
      suppressedAt: Infinity,
    };
  });
}

/** Drip steps (each enrolled contact gets them one gap apart) and one-off emails. */
function drawIntents(random: DemoRandom, people: Person[], options: PlanOptions, enrollments: PlannedEnrollment[]): Intent[] {
  const now = options.now.getTime();
  const intents: Intent[] = [];
  for (const campaign of DEMO_CAMPAIGNS) {
    for (const person of people) {
      if (!random.chance(campaign.reach)) continue;
      const start = now - random.between(campaign.enrolToDaysAgo, campaign.enrolFromDaysAgo) * DAY;
      const enrollmentId = `enr-${campaign.id}-${person.id}`;
      enrollments.push({ id: enrollmentId, contactId: person.id, campaignId: campaign.id, status: 'ACTIVE' });
      const sender = (campaign.senderId && usersById.get(campaign.senderId)) || person.owner;
      campaign.steps.forEach((templateId, step) => {
        const at = start + step * campaign.gapDays * DAY + random.between(-3, 3) * HOUR;
        if (at < now - HOUR) intents.push({ at, person, sender, templateId, campaign: { id: campaign.id, appeal: campaign.appeal, enrollmentId, step } });
      });
    }
  }
  for (const person of people) {
    for (let i = random.chance(0.5) ? random.int(1, 3) : 0; i > 0; i--) {
      const templateId = random.chance(0.6) ? random.pick(ONE_OFF_TEMPLATES) : null;
      intents.push({ at: now - random.between(1 / 24, DEMO_DAYS) * DAY, person, sender: person.owner, templateId, campaign: null });
    }
  }
  return intents.sort((a, b) => a.at - b.at);
}

function send(random: DemoRandom, intent: Intent, now: Date): PlannedSend {
  const { person, sender, templateId, campaign } = intent;
  const template = templateId === null ? null : templatesById.get(templateId);
  const sentAt = new Date(intent.at);
  const links = template?.links ?? (random.chance(0.5) ? AD_HOC_LINKS : []);
  const planned: PlannedSend = {
    id: random.uuid(),
    sentAt,
    senderId: sender.id,
    senderTeamId: sender.teamId,
    contactId: person.id,
    email: person.email,
    subject: template?.subject ?? random.pick(AD_HOC_SUBJECTS),
    campaignId: campaign?.id ?? null,
    templateId,
    enrollmentId: campaign?.enrollmentId ?? null,
    stepIndex: campaign?.step ?? null,
    status: 'SENT',
    statusChangedAt: null,
    links,
    events: [],
  };
  if (person.badAddress) {
    // The first email to a dead mailbox bounces for good (Mailgun's permanent failure).
    planned.status = 'FAILED';
    planned.statusChangedAt = new Date(intent.at + 2 * 60_000);
    person.status = 'BOUNCED';
    person.statusChangedAt = planned.statusChangedAt;
    person.suppressedAt = intent.at;
    return planned;
  }
  if (random.chance(0.01)) {
    planned.status = 'DEFERRED'; // a temporary failure: still trying, nothing seen yet
    planned.statusChangedAt = new Date(intent.at + 60_000);
    return planned;
  }
  planned.events = engagementOf(random, person.reader, sentAt, links.length, campaign?.appeal ?? ONE_OFF_APPEAL, now);
  if (person.complainer && random.chance(0.6)) {
    const at = Math.min(intent.at + random.between(1, 48) * HOUR, now.getTime() - 60_000);
    person.status = 'COMPLAINED';
    person.statusChangedAt = new Date(at);
    person.suppressedAt = at;
  }
  return planned;
}

export function planDemo(options: PlanOptions): DemoPlan {
  const random = new DemoRandom(options.seed);
  const people = drawPeople(random, options.contacts);
  const enrollments: PlannedEnrollment[] = [];
  const sends: PlannedSend[] = [];
  for (const intent of drawIntents(random, people, options, enrollments)) {
    if (intent.at >= intent.person.suppressedAt) continue;
    sends.push(send(random, intent, options.now));
  }
  // A complaint unenrolls the contact from every campaign (contract section 6).
  const complained = new Set(people.filter((person) => person.status === 'COMPLAINED').map((person) => person.id));
  for (const enrollment of enrollments) {
    if (complained.has(enrollment.contactId)) enrollment.status = 'UNENROLLED';
  }
  const contacts = people.map(({ id, email, status, statusChangedAt }) => ({ id, email, status, statusChangedAt }));
  return { contacts, enrollments, sends };
}
