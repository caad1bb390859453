// POST /api/v1/webhooks/mailgun: route, verify, map, write. The body is read
// up to 1 MiB and parsed (JSON or legacy form fields); the signature must be
// present and fresh before anything touches the database; the ingester then
// verifies it with the send's key and stores the effects in one transaction.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app';
import { BodyTooLargeError, readBody } from '../http/body';
import { sendError, sendJson } from '../http/respond';
import type { Router } from '../http/router';
import { WebhookIngester, type IngestOutcome } from '../webhooks/ingest';
import { mapMailgunEvent } from '../webhooks/map-mailgun-event';
import { parseWebhookBody } from '../webhooks/parse-request';
import { isFreshSignature } from '../webhooks/signature';

export const MAILGUN_WEBHOOK_PATH = '/api/v1/webhooks/mailgun';
/** Mailgun's event payloads are a few KB; stored-message notifications are not accepted here. */
export const MAILGUN_BODY_LIMIT = 1024 * 1024;

const ANSWERS: Record<IngestOutcome, { status: number; body: Record<string, string> }> = {
  processed: { status: 200, body: { status: 'processed' } },
  ignored: { status: 200, body: { status: 'ignored' } },
  duplicate: { status: 200, body: { status: 'duplicate' } },
  unverified: { status: 401, body: { error: 'signature does not verify' } },
  replayed: { status: 401, body: { error: 'signature token already used' } },
  unavailable: { status: 503, body: { error: 'temporarily unable to store the event; retry later' } },
};

async function receiveWebhook(app: App, ingester: WebhookIngester, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req, MAILGUN_BODY_LIMIT);
  } catch (error) {
    // Close the connection rather than read the rest of an oversize body.
    if (error instanceof BodyTooLargeError) return sendError(res, 413, 'body over 1 MiB', { connection: 'close' });
    return sendError(res, 400, 'request body could not be read', { connection: 'close' });
  }
  const receivedAt = new Date();
  const parsed = await parseWebhookBody(req.headers['content-type'], body);
  if (!parsed.ok) return sendError(res, 400, `malformed webhook: ${parsed.problem}`);
  const { signature, eventData } = parsed.webhook;
  if (signature === null) return sendError(res, 401, 'signature missing');
  if (!isFreshSignature(signature, receivedAt.getTime())) return sendError(res, 401, 'signature timestamp outside the accepted window');
  const event = mapMailgunEvent(eventData, { fallbackId: `token:${signature.token}`, receivedAt });
  if (event === null) return sendError(res, 400, 'malformed webhook: event-data has no event');

  const outcome = await ingester.ingest(signature, event);
  const answer = ANSWERS[outcome];
  const headers: Record<string, string> = outcome === 'unavailable' ? { 'retry-after': '60' } : {};
  sendJson(res, answer.status, answer.body, headers);
  if (answer.status === 401) app.log.warn({ outcome, eventType: event.name }, 'mailgun webhook refused');
}

export function registerMailgunRoutes(router: Router, app: App): void {
  const ingester = new WebhookIngester(app);
  router.on(['POST'], MAILGUN_WEBHOOK_PATH, (req, res) => receiveWebhook(app, ingester, req, res));
}
