// Mailgun's `event-data` (any JSON) -> the few facts we act on. Pure and
// total: unknown shapes, wrong types and hostile strings give nulls, never a
// throw, and every string is safe to bind as a PostgreSQL text parameter.
import { hash } from 'node:crypto';
import { isIP } from 'node:net';
import { parseBoundedJson, type JsonBounds } from '../bounded-json';

export type MailgunEventType = 'opened' | 'clicked' | 'failed' | 'complained' | 'unsubscribed' | 'delivered' | 'other';

export interface MailgunEvent {
  /** event-data.id; without one (legacy webhooks, trimmed payloads), derived from the event's content */
  id: string;
  type: MailgunEventType;
  /** Mailgun's name for it, lower case (e.g. "accepted" for type "other") */
  name: string;
  /** failed events only */
  severity: 'permanent' | 'temporary' | null;
  /** event-data.timestamp, or the time we received it when absent or absurd */
  occurredAt: Date;
  /** user-variables.send_id when it is a uuid (lower case) */
  sendId: string | null;
  orgId: string | null;
  /** message.headers.message-id without angle brackets */
  messageId: string | null;
  recipient: string | null;
  url: string | null;
  /** event-data.ip when it is an IP address (lower case); sanitised samples carry "888.222.444.111" */
  ip: string | null;
  userAgent: string | null;
  /** client-info.bot: "apple" for Apple's privacy proxy, "generic" and others for bots */
  clientBot: string | null;
  /** client-info.device-type, lower case ("desktop", "mobile", "tablet", "unknown") */
  deviceType: string | null;
}

export interface MapContext {
  receivedAt: Date;
}

type Json = Record<string, unknown>;

/**
 * Mailgun's payloads nest five or six levels and hold a few hundred values;
 * anything far beyond is hostile, and unbounded it overflowed the stack of
 * the content digest below (a 100,000-deep event-data answered 500).
 */
export const WEBHOOK_JSON_BOUNDS: JsonBounds = { maxDepth: 32, maxValues: 10_000 };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KNOWN_TYPES = new Set<MailgunEventType>(['opened', 'clicked', 'failed', 'complained', 'unsubscribed', 'delivered']);
/** 2000-01-01 .. 2100-01-01 in seconds: anything outside is a broken clock or a hostile payload. */
const MIN_SECONDS = 946_684_800;
const MAX_SECONDS = 4_102_444_800;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const field = (value: unknown, name: string): unknown => (isObject(value) ? value[name] : undefined);

/**
 * A string PostgreSQL accepts as text (no NUL, no lone surrogate), trimmed and
 * cut to `max`; null for anything else or an empty result. Numbers are read as
 * their digits (user variables sometimes arrive as numbers).
 */
export function cleanText(value: unknown, max: number): string | null {
  const raw = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof raw !== 'string') return null;
  const text = raw
    .replace(/\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\uFFFD')
    .trim()
    .slice(0, max);
  return text === '' ? null : text;
}

function eventTime(value: unknown, receivedAt: Date): Date {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) return receivedAt;
  return new Date(Math.round(seconds * 1000));
}

/** Mailgun sometimes serialises user variables as a JSON string. */
function userVariables(value: unknown): Json {
  if (isObject(value)) return value;
  if (typeof value !== 'string') return {};
  const parsed = parseBoundedJson(value, WEBHOOK_JSON_BOUNDS);
  return parsed.ok && isObject(parsed.value) ? parsed.value : {};
}

export function stripAngles(messageId: string | null): string | null {
  if (messageId === null) return null;
  const bare = messageId.replace(/^<+|>+$/g, '').trim();
  return bare === '' ? null : bare;
}

/** A basic SMTP reply code (550, "550"), or null. */
function smtpCode(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return typeof value === 'string' && /^\d{3}$/.test(value.trim()) ? Number(value) : null;
}

/** RFC 3463's class of an enhanced status code ("5.1.1" -> 5), as legacy webhooks send `code` and the new ones `enhanced-code`. */
function enhancedClass(value: unknown): number | null {
  const match = /^([245])\.\d{1,3}\.\d{1,3}$/.exec(typeof value === 'string' ? value.trim() : '');
  return match ? Number(match[1]) : null;
}

function severityOf(type: MailgunEventType, name: string, data: Json): MailgunEvent['severity'] {
  if (type !== 'failed') return null;
  if (name === 'permanent_fail') return 'permanent';
  if (name === 'temporary_fail') return 'temporary';
  const stated = cleanText(data.severity, 32)?.toLowerCase();
  if (stated === 'permanent' || stated === 'temporary') return stated;
  // No stated severity: an SMTP 5xx (or Mailgun's 6xx suppressions) is final,
  // and so is an enhanced code of class 5 where no SMTP code is given;
  // anything else is not evidence enough to suppress a contact.
  const status = data['delivery-status'];
  const code = smtpCode(field(status, 'code'));
  if (code !== null) return code >= 500 ? 'permanent' : 'temporary';
  const enhanced = enhancedClass(field(status, 'code')) ?? enhancedClass(field(status, 'enhanced-code')) ?? enhancedClass(field(status, 'bounce-code'));
  return enhanced === 5 ? 'permanent' : 'temporary';
}

/** An address as the pixel would see it, or null: a pseudonym of anything else would be no client at all. */
function ipAddress(value: unknown): string | null {
  const text = cleanText(value, 64);
  return text !== null && isIP(text) !== 0 ? text.toLowerCase() : null;
}

/** client-info.bot, lower case; a bare `true` counts as a (generic) bot too. */
function botFlag(value: unknown): string | null {
  if (value === true) return 'generic';
  return cleanText(value, 64)?.toLowerCase() ?? null;
}

function typeOf(name: string): MailgunEventType {
  if (name === 'permanent_fail' || name === 'temporary_fail') return 'failed';
  return KNOWN_TYPES.has(name as MailgunEventType) ? (name as MailgunEventType) : 'other';
}

/**
 * The id of an event that carries none: a digest of its content. Mailgun
 * signs every delivery attempt anew, so the signature token would differ
 * between a first attempt and its retry; the event-data does not.
 */
export function contentEventId(eventData: Record<string, unknown>): string {
  return `sha256:${hash('sha256', JSON.stringify(eventData), 'base64url')}`;
}

/** The event, or null when `eventData` is not an event at all (no object, no name). */
export function mapMailgunEvent(eventData: unknown, context: MapContext): MailgunEvent | null {
  if (!isObject(eventData)) return null;
  const name = typeof eventData.event === 'string' ? cleanText(eventData.event, 64)?.toLowerCase() : null;
  if (!name) return null;
  const type = typeOf(name);
  const variables = userVariables(eventData['user-variables']);
  const sendId = cleanText(variables.send_id, 64);
  const clientInfo = eventData['client-info'];
  return {
    id: cleanText(eventData.id, 256) ?? contentEventId(eventData),
    type,
    name,
    severity: severityOf(type, name, eventData),
    occurredAt: eventTime(eventData.timestamp, context.receivedAt),
    sendId: sendId !== null && UUID.test(sendId) ? sendId.toLowerCase() : null,
    orgId: cleanText(variables.org_id, 256),
    messageId: stripAngles(cleanText(field(field(eventData.message, 'headers'), 'message-id'), 998)),
    recipient: cleanText(eventData.recipient, 320),
    url: type === 'clicked' ? cleanText(eventData.url, 16_384) : null,
    ip: ipAddress(eventData.ip),
    userAgent: cleanText(field(clientInfo, 'user-agent'), 1024),
    clientBot: botFlag(field(clientInfo, 'bot')),
    deviceType: cleanText(field(clientInfo, 'device-type'), 32)?.toLowerCase() ?? null,
  };
}
