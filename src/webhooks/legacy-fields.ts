// Mailgun's legacy (API v2) webhooks post form fields instead of JSON. This
// rebuilds the current `event-data` shape from them, so one mapper serves
// both. Pure. Fields read (names as Mailgun sends them):
//   timestamp, token, signature      the signature (timestamp is also the event time)
//   event                            delivered | bounced | dropped | complained |
//                                    unsubscribed | opened | clicked (and current names)
//   severity, code, error,           failures: bounced and dropped are permanent;
//   notification, reason,            a `failed` event says its severity, else the
//   description                      SMTP code decides (5xx permanent)
//   recipient, domain
//   Message-Id / message-id          with or without angle brackets
//   message-headers                  JSON [[name, value], ...]: Message-Id, X-Mailgun-Variables
//   X-Mailgun-Variables              JSON object of user variables
//   send_id, org_id                  user variables merged into the top level
//   url, ip, user-agent, bot,        clicks and opens; client-name, client-os,
//   client-name, client-os,          client-type, device-type, country, region
//   client-type, device-type,        and city are carried along, unused
//   country, region, city
// Mailgun merges user variables into the top level, so a variable may repeat
// a Mailgun field: the signature fields are then the *last* values (Mailgun
// appends its own after the variables), every other field the first.
import { parseBoundedJson } from '../bounded-json';
import { isObject, WEBHOOK_JSON_BOUNDS } from './map-mailgun-event';

export type FormFields = ReadonlyArray<readonly [string, string]>;

export interface LegacyWebhook {
  timestamp: string | undefined;
  token: string | undefined;
  signature: string | undefined;
  eventData: Record<string, unknown>;
}

const SIGNATURE_FIELDS = new Set(['timestamp', 'token', 'signature']);
const LEGACY_FAILURES: Record<string, string> = { bounced: 'permanent', dropped: 'permanent' };

function reader(fields: FormFields) {
  const first = new Map<string, string>();
  const last = new Map<string, string>();
  for (const [name, value] of fields) {
    if (!first.has(name)) first.set(name, value);
    last.set(name, value);
  }
  return (name: string): string | undefined => (SIGNATURE_FIELDS.has(name) ? last : first).get(name);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const parsed = parseBoundedJson(text, WEBHOOK_JSON_BOUNDS);
  return parsed.ok ? parsed.value : undefined;
}

/** Headers of the original message, from the message-headers field. */
function messageHeaders(text: string | undefined): Map<string, string> {
  const headers = new Map<string, string>();
  const parsed = parseJson(text);
  if (!Array.isArray(parsed)) return headers;
  for (const entry of parsed) {
    if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'string') {
      const name = entry[0].toLowerCase();
      if (!headers.has(name)) headers.set(name, entry[1]);
    }
  }
  return headers;
}

function variables(get: (name: string) => string | undefined, headers: Map<string, string>): Record<string, unknown> {
  const fromHeader = parseJson(headers.get('x-mailgun-variables'));
  const fromField = parseJson(get('X-Mailgun-Variables') ?? get('x-mailgun-variables'));
  const merged: Record<string, unknown> = { ...(isObject(fromHeader) ? fromHeader : {}), ...(isObject(fromField) ? fromField : {}) };
  for (const name of ['send_id', 'org_id']) {
    const value = get(name);
    if (value !== undefined) merged[name] = value;
  }
  return merged;
}

const defined = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));

export function legacyWebhook(fields: FormFields): LegacyWebhook {
  const get = reader(fields);
  const headers = messageHeaders(get('message-headers'));
  const legacyName = get('event')?.trim().toLowerCase();
  const legacySeverity = legacyName === undefined ? undefined : LEGACY_FAILURES[legacyName];
  const code = get('code');
  const eventData = defined({
    event: legacySeverity ? 'failed' : legacyName,
    'legacy-event': legacyName,
    timestamp: get('timestamp'),
    severity: legacySeverity ?? get('severity'),
    reason: get('reason'),
    recipient: get('recipient'),
    domain: get('domain'),
    url: get('url'),
    ip: get('ip'),
    message: { headers: defined({ 'message-id': get('Message-Id') ?? get('message-id') ?? headers.get('message-id') }) },
    'user-variables': variables(get, headers),
    'delivery-status': defined({
      code: code !== undefined && /^\d+$/.test(code.trim()) ? Number(code) : code,
      message: get('error') ?? get('notification'),
      description: get('description'),
    }),
    'client-info': defined({
      'user-agent': get('user-agent'),
      bot: get('bot'),
      'client-name': get('client-name'),
      'client-os': get('client-os'),
      'client-type': get('client-type'),
      'device-type': get('device-type'),
    }),
    geolocation: defined({ country: get('country'), region: get('region'), city: get('city') }),
  });
  return { timestamp: get('timestamp'), token: get('token'), signature: get('signature'), eventData };
}
