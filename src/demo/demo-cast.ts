// Who and what the demo organisation is made of: its people (one or more per
// role), its drip campaigns and templates, with names a reader recognises.
// Plain data; plan-demo.ts turns it into sends.
import type { Role } from '../auth/viewer';

/** The demo's sends span this many days, ending now. */
export const DEMO_DAYS = 120;

export interface DemoUser {
  id: string;
  name: string;
  role: Role;
  /** the partner team of a partner or sales rep */
  teamId: string | null;
  /** share of the organisation's contacts this user looks after (and writes to) */
  weight: number;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'olivia', name: 'Olivia Bennett', role: 'owner', teamId: null, weight: 1 },
  { id: 'adam', name: 'Adam Novak', role: 'admin', teamId: null, weight: 2 },
  { id: 'aisha', name: 'Aisha Rahman', role: 'admin', teamId: null, weight: 1 },
  { id: 'pierre', name: 'Pierre Laurent', role: 'partner', teamId: 'team-northwind', weight: 4 },
  { id: 'priya', name: 'Priya Shah', role: 'partner', teamId: 'team-bluepeak', weight: 4 },
  { id: 'sam', name: 'Sam Carter', role: 'sales_rep', teamId: 'team-northwind', weight: 6 },
  { id: 'sofia', name: 'Sofia Marin', role: 'sales_rep', teamId: 'team-northwind', weight: 5 },
  { id: 'santiago', name: 'Santiago Ruiz', role: 'sales_rep', teamId: 'team-bluepeak', weight: 6 },
  { id: 'mei', name: 'Mei Chen', role: 'member', teamId: null, weight: 1 },
  { id: 'marcus', name: 'Marcus Webb', role: 'member', teamId: null, weight: 1 },
];

/** The CRM's own caller: sees everything, sends nothing in its own name. */
export const DEMO_SERVICE = { id: 'crm-sync', name: 'CRM sync', role: 'service' as const, teamId: null };

export interface DemoTemplate {
  id: string;
  name: string;
  subject: string;
  links: readonly string[];
}

const SITE = 'https://www.atlas-crm.example';

export const DEMO_TEMPLATES: readonly DemoTemplate[] = [
  { id: 'welcome', name: 'Welcome aboard', subject: 'Welcome to Atlas', links: [`${SITE}/start`, `${SITE}/help`] },
  { id: 'getting-started', name: 'Getting started guide', subject: 'Your first week with Atlas', links: [`${SITE}/guide/import`, `${SITE}/guide/pipeline`, `${SITE}/webinars`] },
  { id: 'check-in', name: 'Two-week check-in', subject: 'How is it going?', links: [`${SITE}/book-a-call`] },
  { id: 'webinar-invite', name: 'Webinar invitation', subject: 'Forecasting that works: live on Thursday', links: [`${SITE}/webinars/forecasting/register`, `${SITE}/webinars`] },
  { id: 'webinar-reminder', name: 'Webinar reminder', subject: 'Tomorrow: forecasting that works', links: [`${SITE}/webinars/forecasting/register`] },
  { id: 'webinar-recording', name: 'Webinar recording', subject: 'The recording you asked for', links: [`${SITE}/webinars/forecasting/recording`, `${SITE}/book-a-call`] },
  { id: 'renewal-60', name: 'Renewal: 60 days', subject: 'Your plan renews in two months', links: [`${SITE}/account/plan`, `${SITE}/pricing`] },
  { id: 'renewal-14', name: 'Renewal: 14 days', subject: 'Your plan renews in two weeks', links: [`${SITE}/account/plan`] },
  { id: 'win-back', name: 'We miss you', subject: 'A lot has changed since you left', links: [`${SITE}/whats-new`, `${SITE}/pricing?offer=comeback`] },
  { id: 'launch-teaser', name: 'Atlas 2.0 teaser', subject: 'Something new is coming', links: [`${SITE}/atlas-2`] },
  { id: 'launch-announcement', name: 'Atlas 2.0 announcement', subject: 'Atlas 2.0 is here', links: [`${SITE}/atlas-2`, `${SITE}/atlas-2/video`, `${SITE}/pricing`] },
  { id: 'meeting-follow-up', name: 'Meeting follow-up', subject: 'Thanks for your time today', links: [`${SITE}/book-a-call`, `${SITE}/case-studies`] },
  { id: 'quote', name: 'Quote', subject: 'Your quote', links: [`${SITE}/quotes/view`] },
];

export interface DemoCampaign {
  id: string;
  name: string;
  /** one template per drip step, in order */
  steps: readonly string[];
  /** days between two steps */
  gapDays: number;
  /** contacts enrol between these many days ago (first step's send time) */
  enrolFromDaysAgo: number;
  enrolToDaysAgo: number;
  /** share of the contacts enrolled */
  reach: number;
  /** chance that a delivered email interests its reader (opens beyond Apple's proxy, clicks) */
  appeal: number;
  /** sent in this user's name rather than the contact's owner (an announcement) */
  senderId?: string;
}

export const DEMO_CAMPAIGNS: readonly DemoCampaign[] = [
  { id: 'onboarding', name: 'New customer onboarding', steps: ['welcome', 'getting-started', 'check-in'], gapDays: 4, enrolFromDaysAgo: 118, enrolToDaysAgo: 2, reach: 0.35, appeal: 0.6 },
  { id: 'webinar-forecasting', name: 'Webinar: forecasting that works', steps: ['webinar-invite', 'webinar-reminder', 'webinar-recording'], gapDays: 6, enrolFromDaysAgo: 110, enrolToDaysAgo: 75, reach: 0.3, appeal: 0.45 },
  { id: 'renewals', name: 'Renewal reminders', steps: ['renewal-60', 'renewal-14'], gapDays: 46, enrolFromDaysAgo: 115, enrolToDaysAgo: 10, reach: 0.25, appeal: 0.5 },
  { id: 'win-back', name: 'Win-back: we miss you', steps: ['win-back', 'win-back'], gapDays: 9, enrolFromDaysAgo: 70, enrolToDaysAgo: 20, reach: 0.2, appeal: 0.12 },
  { id: 'atlas-2-launch', name: 'Atlas 2.0 launch', steps: ['launch-teaser', 'launch-announcement'], gapDays: 5, enrolFromDaysAgo: 24, enrolToDaysAgo: 8, reach: 0.45, appeal: 0.4, senderId: 'adam' },
];

/** One-off emails a user writes to one contact: from a template, or ad-hoc (no template). */
export const ONE_OFF_TEMPLATES: readonly string[] = ['meeting-follow-up', 'quote'];
export const AD_HOC_SUBJECTS: readonly string[] = ['Quick question', 'Following up', 'Notes from our call', 'Intro: our solutions engineer'];
export const AD_HOC_LINKS: readonly string[] = [`${SITE}/book-a-call`];

export const FIRST_NAMES: readonly string[] = [
  'ada', 'ben', 'chloe', 'david', 'elena', 'farid', 'grace', 'hiro', 'ines', 'jonas', 'kara', 'liam', 'maria', 'noah',
  'olga', 'paul', 'quinn', 'rosa', 'sven', 'tara', 'umar', 'vera', 'wen', 'yusuf', 'zoe',
];
export const LAST_NAMES: readonly string[] = [
  'adams', 'baker', 'costa', 'dubois', 'eriksen', 'fischer', 'garcia', 'haddad', 'ito', 'jansen', 'kowalski', 'lopez',
  'moreau', 'nakamura', 'okafor', 'petrov', 'rossi', 'silva', 'tanaka', 'weber',
];
/** Reserved .example domains: no real mailbox is ever named. */
export const COMPANY_DOMAINS: readonly string[] = [
  'northwind.example', 'contoso.example', 'fabrikam.example', 'tailspin.example', 'wingtip.example', 'litware.example',
  'adventure-works.example', 'proseware.example', 'lucerne.example', 'margie.example',
];
