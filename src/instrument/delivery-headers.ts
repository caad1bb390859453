// What the CRM attaches to the message it sends: Mailgun's user variables,
// which lead the webhooks back to this send, the Message-Id it must go out
// with, and the list-unsubscribe headers. The values are validated before
// they get here (see validation.ts).

/**
 * Sent as `X-Mailgun-Variables` (JSON). Mailgun echoes them in every event's
 * `user-variables`; the webhook finds the send by send_id within org_id.
 */
export interface MailgunVariables {
  send_id: string;
  org_id: string;
}

export function mailgunVariables(orgId: string, sendId: string): MailgunVariables {
  return { send_id: sendId, org_id: orgId };
}

/** Header name to value, ready to add to the message as they are. */
export type DeliveryHeaders = Record<string, string>;

/**
 * The Message-Id of a send whose caller named none: the send id at the
 * tracking host, so every send carries the Message-Id it goes out with from
 * the moment it is recorded, before anyone else could have seen it
 * (docs/webhooks.md, "Finding the send").
 */
export function mintedMessageId(sendId: string, publicBaseUrl: string): string {
  return `${sendId}@${new URL(publicBaseUrl).hostname}`;
}

/** RFC 5322's `Message-Id: <id>`, from the bare id stored with the send. */
export function messageIdHeader(messageId: string): DeliveryHeaders {
  return { 'Message-Id': `<${messageId}>` };
}

/**
 * RFC 2369 `List-Unsubscribe: <url>` for an http(s) or mailto URL, plus, for
 * an http(s) URL, RFC 8058's `List-Unsubscribe-Post: List-Unsubscribe=One-Click`,
 * which lets a mailbox provider unsubscribe with one POST and no page visit
 * (Gmail and Yahoo require it of bulk senders). Nothing without a URL.
 */
export function listUnsubscribeHeaders(unsubscribeUrl: string | null): DeliveryHeaders {
  if (unsubscribeUrl === null) return {};
  const headers: DeliveryHeaders = { 'List-Unsubscribe': `<${unsubscribeUrl}>` };
  if (/^https?:/i.test(unsubscribeUrl)) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  return headers;
}
