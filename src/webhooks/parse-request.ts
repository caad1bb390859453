// A Mailgun webhook body -> its signature and its event-data, whichever shape
// it came in: JSON (current webhooks) or form fields, URL-encoded or multipart
// (legacy webhooks). No I/O beyond decoding the bytes already read.
import { parseBoundedJson } from '../bounded-json';
import { legacyWebhook, type FormFields } from './legacy-fields';
import { isObject, WEBHOOK_JSON_BOUNDS } from './map-mailgun-event';
import { readSignature, type MailgunSignature } from './signature';

export interface ParsedWebhook {
  /** null when missing or unusable: the request is refused as unsigned */
  signature: MailgunSignature | null;
  eventData: Record<string, unknown>;
  legacy: boolean;
}

export type ParseResult = { ok: true; webhook: ParsedWebhook } | { ok: false; problem: string };

const fail = (problem: string): ParseResult => ({ ok: false, problem });
/**
 * Legacy webhooks post about twenty fields; a form of thousands is no webhook,
 * and costs a parse to find out (undici's multipart parser took 150 to 700 ms
 * over 1 MB of 17,000 parts). Counted before parsing.
 */
export const MAX_FORM_FIELDS = 200;
/** Fields of Mailgun's inbound-route posts (forward() and store()) that no event webhook has. */
const INBOUND_FIELDS = new Set(['sender', 'body-plain', 'body-html', 'stripped-text', 'stripped-html']);

export function parseJsonWebhook(text: string): ParseResult {
  const parsed = parseBoundedJson(text, WEBHOOK_JSON_BOUNDS);
  if (!parsed.ok) return fail(`body ${parsed.problem}`);
  const body = parsed.value;
  if (!isObject(body)) return fail('body is not a JSON object');
  const eventData = body['event-data'];
  if (!isObject(eventData)) return fail('missing event-data object');
  const signature = isObject(body.signature) ? readSignature(body.signature.timestamp, body.signature.token, body.signature.signature) : null;
  return { ok: true, webhook: { signature, eventData, legacy: false } };
}

export function parseFormWebhook(fields: FormFields): ParseResult {
  if (fields.length === 0) return fail('empty form');
  if (fields.length > MAX_FORM_FIELDS) return fail(`form has more than ${MAX_FORM_FIELDS} fields`);
  const legacy = legacyWebhook(fields);
  if (typeof legacy.eventData.event !== 'string' || legacy.eventData.event === '') {
    // A route forwarding received mail, pointed at this URL by mistake, posts a message, not an event.
    const inbound = fields.some(([name]) => INBOUND_FIELDS.has(name));
    return fail(inbound ? 'form has no event field: an inbound-route post (a received message) was sent to the event webhook URL' : 'form has no event field');
  }
  return {
    ok: true,
    webhook: { signature: readSignature(legacy.timestamp, legacy.token, legacy.signature), eventData: legacy.eventData, legacy: true },
  };
}

function countOf(text: string, character: string): number {
  let count = 0;
  for (let at = text.indexOf(character); at !== -1; at = text.indexOf(character, at + 1)) count++;
  return count;
}

/** Delimiters of the content type's boundary in the body: one more than its parts (0 without a boundary: the parser refuses it). */
function multipartParts(contentType: string, body: Buffer): number {
  const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = boundary ? `--${boundary[1] ?? boundary[2]}` : null;
  if (delimiter === null) return 0;
  let count = 0;
  for (let at = body.indexOf(delimiter); at !== -1; at = body.indexOf(delimiter, at + delimiter.length)) count++;
  return count - 1;
}

async function multipartFields(contentType: string, body: Buffer): Promise<FormFields | null> {
  try {
    // undici's FormData parser (built into Node) reads multipart bodies; file
    // parts (attachments of stored messages) are not webhook fields.
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    const fields: [string, string][] = [];
    form.forEach((value, name) => {
      if (typeof value === 'string') fields.push([name, value]);
    });
    return fields;
  } catch {
    return null;
  }
}

/**
 * Parses by Content-Type; a body without one is read as JSON when it looks
 * like JSON and as URL-encoded fields otherwise.
 */
export async function parseWebhookBody(contentType: string | undefined, body: Buffer): Promise<ParseResult> {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const text = type === 'multipart/form-data' ? '' : body.toString('utf8');
  if (type === 'application/json' || type.endsWith('+json') || (type === '' && /^\s*\{/.test(text))) return parseJsonWebhook(text);
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    // Counted before URLSearchParams builds them all.
    if (countOf(text, '&') >= MAX_FORM_FIELDS) return fail(`form has more than ${MAX_FORM_FIELDS} fields`);
    return parseFormWebhook([...new URLSearchParams(text)]);
  }
  if (type === 'multipart/form-data') {
    if (multipartParts(contentType ?? '', body) > MAX_FORM_FIELDS) return fail(`form has more than ${MAX_FORM_FIELDS} fields`);
    const fields = await multipartFields(contentType ?? '', body);
    return fields ? parseFormWebhook(fields) : fail('multipart body cannot be parsed');
  }
  return fail(`unsupported content type ${type.slice(0, 100)}`);
}
