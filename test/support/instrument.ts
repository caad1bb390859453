// instrumentEmail as the CRM calls it, and what the database holds afterwards,
// for the instrument*.test.ts integration tests.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { InstrumentEmailDocument, type InstrumentEmailInput } from '../generated/graphql';
import { gql } from './graphql-client';
import { testTokens } from './sends';

export const TRACKING_ORIGIN = 'https://track.example.test';
export const CLICK_URL = new RegExp(`${TRACKING_ORIGIN.replace(/\./g, '\\.')}/track/click/([A-Za-z0-9_-]+)`, 'g');
export const PIXEL_URL = new RegExp(`${TRACKING_ORIGIN.replace(/\./g, '\\.')}/track/open/([A-Za-z0-9_-]+)\\.gif`, 'g');

/** A valid input with a fresh contact; each test overrides what it is about. */
export function emailInput(overrides: Partial<InstrumentEmailInput> = {}): InstrumentEmailInput {
  return {
    senderId: 'sender-1',
    contactId: `contact-${randomUUID().slice(0, 8)}`,
    recipientEmail: 'ada@example.com',
    subject: 'Hello',
    html: '<html><body><p><a href="https://example.com/a?x=1&amp;y=2">a</a></p></body></html>',
    text: 'Hello, plain',
    ...overrides,
  };
}

export function instrument(baseUrl: string, token: string | undefined, input: InstrumentEmailInput) {
  return gql(baseUrl, InstrumentEmailDocument, { input }, token);
}

/** The click tokens of the email's links in an instrumented HTML, in document order (the trap link is none of them). */
export function clickTokens(html: string): string[] {
  return [...html.matchAll(CLICK_URL)].map((match) => match[1]!).filter((token) => testTokens.decode(token)?.kind !== 'trap');
}

/** The trap link's tokens in an instrumented HTML: one, or none when EMAIL_TRACKING_TRAP_LINK=false. */
export function trapTokens(html: string): string[] {
  return [...html.matchAll(CLICK_URL)].map((match) => match[1]!).filter((token) => testTokens.decode(token)?.kind === 'trap');
}

export interface StoredSend {
  sender_id: string;
  sender_team_id: string | null;
  contact_id: string;
  recipient_email: string;
  subject: string | null;
  campaign_id: string | null;
  template_id: string | null;
  enrollment_id: string | null;
  step_index: number | null;
  message_id: string | null;
  tracked: boolean;
  tracked_links: number;
}

export async function storedSend(db: DataSource, orgId: string, sendId: string): Promise<StoredSend | undefined> {
  const [row] = await db.query(
    `SELECT sender_id, sender_team_id, contact_id, recipient_email, subject, campaign_id, template_id,
            enrollment_id, step_index, message_id, tracked, tracked_links
     FROM sends WHERE org_id = $1 AND id = $2`,
    [orgId, sendId],
  );
  return row as StoredSend | undefined;
}

export async function storedLinks(db: DataSource, orgId: string, sendId: string): Promise<{ position: number; url: string }[]> {
  return db.query(`SELECT position, url FROM send_links WHERE org_id = $1 AND send_id = $2 ORDER BY position`, [orgId, sendId]);
}

export async function sendCount(db: DataSource, orgId: string): Promise<number> {
  const [row] = await db.query(`SELECT count(*)::int AS n FROM sends WHERE org_id = $1`, [orgId]);
  return (row as { n: number }).n;
}
