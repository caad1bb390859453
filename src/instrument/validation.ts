// The input rules of instrumentEmail, in one place. Each refusal is a
// BAD_USER_INPUT whose message starts with the field's name; nothing here
// touches the database.
import { AD_HOC_TEMPLATE_ID } from '../stats/ad-hoc';
import { badInput } from '../errors';
import { canParseUrl } from './link-rules';

/** What the CRM sends (InstrumentEmailInput); GraphQL has already checked the types. */
export interface InstrumentEmailFields {
  senderId: string;
  senderTeamId?: string | null;
  contactId: string;
  recipientEmail: string;
  subject?: string | null;
  html?: string | null;
  text?: string | null;
  campaignId?: string | null;
  campaignName?: string | null;
  templateId?: string | null;
  templateName?: string | null;
  enrollmentId?: string | null;
  stepIndex?: number | null;
  unsubscribeUrl?: string | null;
  messageId?: string | null;
  trackingConsent?: boolean | null;
}

/** The same request once checked: absent and null are both null, messageId without its angle brackets. */
export type InstrumentRequest = {
  [K in keyof InstrumentEmailFields]-?: Exclude<InstrumentEmailFields[K], undefined>;
} & { trackingConsent: boolean };

/**
 * 8 MiB of UTF-8 per body part: 80 times what Gmail shows before clipping
 * (102 KB), and with JSON escaping still inside the 20 MiB GraphQL body limit.
 */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
export const MAX_ID_LENGTH = 200;
/** RFC 5321's limits on a forward path and its local part. */
const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;
const MAX_SUBJECT_LENGTH = 2_000;
const MAX_NAME_LENGTH = 500;
/** RFC 5322's line length: a Message-Id header cannot be longer. */
const MAX_MESSAGE_ID_LENGTH = 998;
const MAX_UNSUBSCRIBE_URL_LENGTH = 2_048;

// C0, DEL and C1 controls: never part of an id, a name or a subject line, and
// PostgreSQL cannot store NUL in text at all.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// node-postgres would store an unpaired surrogate as U+FFFD: the stored id
// would no longer be the id the CRM sent.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The one rule for every CRM id (sender, team, contact, campaign, template, enrollment). */
export function checkId(field: string, value: string): string {
  if (value.trim() === '') throw badInput(`${field} must not be empty`);
  if (value.length > MAX_ID_LENGTH) throw badInput(`${field} must be at most ${MAX_ID_LENGTH} characters`);
  if (value.trim() !== value) throw badInput(`${field} must not start or end with whitespace`);
  if (CONTROL_CHARACTER.test(value) || LONE_SURROGATE.test(value)) {
    throw badInput(`${field} must not contain control characters or unpaired surrogates`);
  }
  return value;
}

function optionalId(field: string, value: string | null | undefined): string | null {
  return value == null ? null : checkId(field, value);
}

/** "ad-hoc" names the stats row of sends without a template; a real template may not take it. */
function checkTemplateId(value: string | null | undefined): string | null {
  const id = optionalId('templateId', value);
  if (id === AD_HOC_TEMPLATE_ID) throw badInput(`templateId "${AD_HOC_TEMPLATE_ID}" is reserved for sends without a template: omit templateId instead`);
  return id;
}

/** Subject and display names: any text on one line, bounded. */
function optionalLine(field: string, value: string | null | undefined, maxLength: number): string | null {
  if (value == null) return null;
  if (value.length > maxLength) throw badInput(`${field} must be at most ${maxLength} characters`);
  if (CONTROL_CHARACTER.test(value)) throw badInput(`${field} must not contain control characters or line breaks`);
  return value;
}

function optionalBody(field: string, value: string | null | undefined): string | null {
  if (value == null) return null;
  // UTF-8 takes at least one byte per UTF-16 unit and at most three: count only when it matters.
  if (value.length * 3 > MAX_BODY_BYTES && Buffer.byteLength(value, 'utf8') > MAX_BODY_BYTES) {
    throw badInput(`${field} is larger than ${MAX_BODY_BYTES} bytes (8 MiB) of UTF-8`);
  }
  return value;
}

const LOCAL_PART = /^[^\s@"(),:;<>[\\\]\u0000-\u001f\u007f-\u009f]+$/u;
const DOMAIN_LABEL = /^[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]{0,61}[\p{L}\p{M}\p{N}])?$/u;

/**
 * A deliverable mailbox `local@domain`: a dot-atom local part (non-ASCII
 * allowed, for SMTPUTF8), a domain of two or more labels whose last is not
 * numeric. Quoted local parts and IP literals are refused: no mail provider
 * we hand the email to accepts them.
 */
export function checkEmail(field: string, value: string): string {
  const problem = `${field} must be an email address like name@example.com`;
  if (value.length > MAX_EMAIL_LENGTH) throw badInput(`${field} must be at most ${MAX_EMAIL_LENGTH} characters`);
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split('.');
  const localOk =
    at > 0 &&
    local.length <= MAX_LOCAL_PART_LENGTH &&
    LOCAL_PART.test(local) &&
    !local.startsWith('.') &&
    !local.endsWith('.') &&
    !local.includes('..');
  const domainOk = labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!);
  if (!localOk || !domainOk || LONE_SURROGATE.test(value)) throw badInput(problem);
  return value;
}

/**
 * The compliance footer's link, also written into List-Unsubscribe: an
 * absolute http(s) URL with a host, or a mailto: URL. Header-safe, so ASCII
 * without whitespace or angle brackets (RFC 2369 encloses it in `<>`).
 */
export function checkUnsubscribeUrl(field: string, value: string): string {
  if (value.length > MAX_UNSUBSCRIBE_URL_LENGTH) throw badInput(`${field} must be at most ${MAX_UNSUBSCRIBE_URL_LENGTH} characters`);
  if (!/^[\x21-\x7e]+$/.test(value) || /[<>]/.test(value)) {
    throw badInput(`${field} must be ASCII without whitespace or angle brackets (percent-encode anything else)`);
  }
  const isHttp = /^https?:\/\//i.test(value) && canParseUrl(value) && new URL(value).hostname !== '';
  const isMailto = /^mailto:[^?]/i.test(value);
  if (!isHttp && !isMailto) throw badInput(`${field} must be an absolute http://, https:// or mailto: URL`);
  return value;
}

/** Stored without the angle brackets, the form Mailgun reports it in. */
function optionalMessageId(field: string, value: string | null | undefined): string | null {
  if (value == null) return null;
  const bare = value.startsWith('<') && value.endsWith('>') ? value.slice(1, -1) : value;
  if (bare === '' || value.length > MAX_MESSAGE_ID_LENGTH || !/^[\x21-\x7e]+$/.test(bare) || /[<>]/.test(bare)) {
    throw badInput(`${field} must be a Message-Id such as <id@example.com>: printable ASCII, at most ${MAX_MESSAGE_ID_LENGTH} characters`);
  }
  return bare;
}

export function validateInstrumentInput(input: InstrumentEmailFields): InstrumentRequest {
  if (input.stepIndex != null && input.stepIndex < 0) throw badInput('stepIndex must be 0 or more');
  return {
    senderId: checkId('senderId', input.senderId),
    senderTeamId: optionalId('senderTeamId', input.senderTeamId),
    contactId: checkId('contactId', input.contactId),
    recipientEmail: checkEmail('recipientEmail', input.recipientEmail),
    subject: optionalLine('subject', input.subject, MAX_SUBJECT_LENGTH),
    html: optionalBody('html', input.html),
    text: optionalBody('text', input.text),
    campaignId: optionalId('campaignId', input.campaignId),
    campaignName: optionalLine('campaignName', input.campaignName, MAX_NAME_LENGTH),
    templateId: checkTemplateId(input.templateId),
    templateName: optionalLine('templateName', input.templateName, MAX_NAME_LENGTH),
    enrollmentId: optionalId('enrollmentId', input.enrollmentId),
    stepIndex: input.stepIndex ?? null,
    unsubscribeUrl: input.unsubscribeUrl == null ? null : checkUnsubscribeUrl('unsubscribeUrl', input.unsubscribeUrl),
    messageId: optionalMessageId('messageId', input.messageId),
    trackingConsent: input.trackingConsent ?? true,
  };
}
