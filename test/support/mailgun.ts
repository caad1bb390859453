// Mailgun webhook fixtures: event-data as Mailgun sends it, signed with a
// chosen key, in the JSON shape or the legacy form shape, and the contacts
// and enrollments the effects land on.
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { signMailgun } from '../../src/webhooks/signature';
import { SetMailgunSigningKeyDocument } from '../generated/graphql';
import { tokenFor } from './app';
import { gql } from './graphql-client';

export const PLATFORM_KEY = 'platform-signing-key-0123456789abcdef';
export const WEBHOOK_PATH = '/api/v1/webhooks/mailgun';

export interface EventOptions {
  sendId?: string | null;
  orgId?: string | null;
  id?: string;
  /** event time, seconds (fractional allowed); default now */
  timestamp?: number;
  severity?: 'permanent' | 'temporary';
  url?: string;
  ip?: string;
  userAgent?: string;
  bot?: string;
  messageId?: string;
  recipient?: string;
  reason?: string;
}

export const nowSeconds = () => Date.now() / 1000;
export const newToken = () => randomBytes(25).toString('hex');

/** event-data in Mailgun's current JSON shape. */
export function eventData(event: string, options: EventOptions = {}): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  if (options.sendId !== null && options.sendId !== undefined) variables.send_id = options.sendId;
  if (options.orgId !== null && options.orgId !== undefined) variables.org_id = options.orgId;
  const data: Record<string, unknown> = {
    id: options.id ?? randomBytes(16).toString('base64url'),
    event,
    timestamp: options.timestamp ?? nowSeconds(),
    'log-level': event === 'failed' ? (options.severity === 'temporary' ? 'warn' : 'error') : 'info',
    recipient: options.recipient ?? 'someone@example.com',
    'user-variables': variables,
    message: { headers: { 'message-id': options.messageId ?? `${randomUUID()}@mg.example.com`, to: 'someone@example.com' } },
    tags: [],
  };
  if (options.severity) {
    data.severity = options.severity;
    data.reason = options.reason ?? (options.severity === 'permanent' ? 'bounce' : 'generic');
    data['delivery-status'] = { code: options.severity === 'permanent' ? 550 : 452, message: 'mailbox says no', 'attempt-no': 1 };
  }
  if (options.url !== undefined) data.url = options.url;
  if (options.ip !== undefined) data.ip = options.ip;
  if (event === 'opened' || event === 'clicked') {
    data['client-info'] = {
      'client-name': 'Chrome',
      'client-os': 'macOS',
      'client-type': 'browser',
      'device-type': 'desktop',
      'user-agent': options.userAgent ?? 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
      ...(options.bot !== undefined ? { bot: options.bot } : {}),
    };
    data.geolocation = { country: 'US', region: 'CA', city: 'San Francisco' };
  }
  return data;
}

export interface SignatureOptions {
  /** seconds; default now */
  timestamp?: number;
  token?: string;
}

export function signature(key: string, options: SignatureOptions = {}) {
  const timestamp = String(Math.floor(options.timestamp ?? nowSeconds()));
  const token = options.token ?? newToken();
  return { timestamp, token, signature: signMailgun(key, timestamp, token) };
}

export function jsonBody(key: string, data: Record<string, unknown>, options: SignatureOptions = {}): string {
  return JSON.stringify({ signature: signature(key, options), 'event-data': data });
}

/** Legacy form fields: Mailgun's event name and fields, user variables at the top level. */
export function legacyFields(event: string, options: EventOptions = {}): [string, string][] {
  const fields: [string, string][] = [
    ['event', event],
    ['recipient', options.recipient ?? 'someone@example.com'],
    ['domain', 'mg.example.com'],
  ];
  if (options.sendId) fields.push(['send_id', options.sendId]);
  if (options.orgId) fields.push(['org_id', options.orgId]);
  if (options.messageId) fields.push(['Message-Id', `<${options.messageId}>`]);
  if (options.severity) fields.push(['severity', options.severity]);
  if (options.url !== undefined) fields.push(['url', options.url]);
  if (options.ip !== undefined) fields.push(['ip', options.ip]);
  if (event === 'opened' || event === 'clicked') {
    fields.push(['user-agent', options.userAgent ?? 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36']);
    fields.push(['client-name', 'Chrome'], ['client-os', 'Windows'], ['client-type', 'browser'], ['device-type', 'desktop']);
    if (options.bot !== undefined) fields.push(['bot', options.bot]);
  }
  if (event === 'bounced') fields.push(['code', '550'], ['error', '5.1.1 mailbox does not exist']);
  return fields;
}

/** Legacy webhooks sign with the event's own timestamp. */
export function formBody(key: string, fields: [string, string][], options: SignatureOptions = {}): string {
  const signed = signature(key, options);
  return new URLSearchParams([...fields, ['timestamp', signed.timestamp], ['token', signed.token], ['signature', signed.signature]]).toString();
}

export function postWebhook(baseUrl: string, body: string | Buffer | FormData, contentType?: string): Promise<Response> {
  const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
  return fetch(`${baseUrl}${WEBHOOK_PATH}`, { method: 'POST', headers, body });
}

export const postJson = (baseUrl: string, body: string) => postWebhook(baseUrl, body, 'application/json');
export const postForm = (baseUrl: string, body: string) => postWebhook(baseUrl, body, 'application/x-www-form-urlencoded');

export async function insertContact(db: DataSource, orgId: string, contactId: string, email = 'someone@example.com'): Promise<void> {
  await db.query(`INSERT INTO contacts (org_id, id, email) VALUES ($1, $2, $3)`, [orgId, contactId, email]);
}

export async function insertEnrollment(db: DataSource, orgId: string, contactId: string, campaignId: string | null = null): Promise<string> {
  const id = `enr-${randomUUID().slice(0, 8)}`;
  await db.query(`INSERT INTO enrollments (org_id, id, contact_id, campaign_id) VALUES ($1, $2, $3, $4)`, [orgId, id, contactId, campaignId]);
  return id;
}

export async function sendStatus(db: DataSource, orgId: string, sendId: string): Promise<string> {
  const [row] = await db.query(`SELECT status FROM sends WHERE org_id = $1 AND id = $2`, [orgId, sendId]);
  return (row as { status: string }).status;
}

export async function contactStatus(db: DataSource, orgId: string, contactId: string): Promise<string | null> {
  const [row] = await db.query(`SELECT status FROM contacts WHERE org_id = $1 AND id = $2`, [orgId, contactId]);
  return (row as { status: string } | undefined)?.status ?? null;
}

export async function processedEvents(db: DataSource, orgId: string): Promise<number> {
  const [row] = await db.query(`SELECT count(*)::int AS n FROM processed_webhook_events WHERE org_id = $1`, [orgId]);
  return (row as { n: number }).n;
}

/** Sets an organisation's key (as its owner) or a team's (as a partner of that team) through the API. */
export async function setSigningKey(baseUrl: string, orgId: string, key: string, scope: 'ORG' | 'TEAM' = 'ORG', teamId?: string): Promise<void> {
  const token = scope === 'ORG' ? await tokenFor(orgId, 'owner-1', 'owner') : await tokenFor(orgId, 'partner-1', 'partner', teamId);
  const result = await gql(baseUrl, SetMailgunSigningKeyDocument, { scope, key }, token);
  if (result.data?.setMailgunSigningKey.mailgunSigningKeySet !== true) throw new Error(`setting the ${scope} key of ${orgId} failed: ${JSON.stringify(result.errors)}`);
}
