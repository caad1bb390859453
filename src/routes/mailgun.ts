// POST /api/v1/webhooks/mailgun: route, verify, map, write. The body is read
// up to 1 MiB and parsed (JSON or legacy form fields); the signature must be
// present and fresh before anything touches the database; the ingester then
// verifies it with the send's key and stores the effects in one transaction.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app';
import { BodyTooLargeError, readBody, refuseOversize } from '../http/body';
import { sendError, sendJson } from '../http/respond';
import type { Router } from '../http/router';
import type { WebhookOutcome } from '../metrics';
import { WebhookIngester, type IngestOutcome } from '../webhooks/ingest';
import { mapMailgunEvent } from '../webhooks/map-mailgun-event';
import { parseWebhookBody } from '../webhooks/parse-request';
import { isFreshSignature } from '../webhooks/signature';

export const MAILGUN_WEBHOOK_PATH = '/api/v1/webhooks/mailgun';
/** Mailgun's event payloads are a few KB; stored-message notifications are not accepted here. */
export const MAILGUN_BODY_LIMIT = 1024 * 1024;

const ANSWERS: Record<IngestOutcome, { status: number; body: Record<string, string>; metric: WebhookOutcome }> = {
  processed: { status: 200, body: { status: 'processed' }, metric: 'handled' },
  ignored: { status: 200, body: { status: 'ignored' }, metric: 'ignored' },
  duplicate: { status: 200, body: { status: 'duplicate' }, metric: 'repeat' },
  unverified: { status: 401, body: { error: 'signature does not verify' }, metric: 'unauthorized' },
  replayed: { status: 401, body: { error: 'signature token already used' }, metric: 'unauthorized' },
  unavailable: { status: 503, body: { error: 'temporarily unable to store the event; retry later' }, metric: 'unavailable' },
};

async function receiveWebhook(app: App, ingester: WebhookIngester, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const refuse = (status: number, message: string, metric: WebhookOutcome, headers: Record<string, string> = {}) => {
    app.metrics.countWebhook(metric);
    sendError(res, status, message, headers);
  };
  let body: Buffer;
  try {
    // At most 1 MiB: one copy into a Buffer costs well under a millisecond.
    body = (await readBody(req, MAILGUN_BODY_LIMIT)).toBuffer();
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      app.metrics.countWebhook('too_large');
      return refuseOversize(res, error, 'body over 1 MiB');
    }
    return refuse(400, 'request body could not be read', 'malformed', { connection: 'close' });
  }
  const receivedAt = new Date();
  const parsed = await parseWebhookBody(req.headers['content-type'], body);
  if (!parsed.ok) return refuse(400, `malformed webhook: ${parsed.problem}`, 'malformed');
  const { signature, eventData } = parsed.webhook;
  if (signature === null) return refuse(401, 'signature missing or malformed', 'unauthorized');
  if (!isFreshSignature(signature, receivedAt.getTime())) return refuse(401, 'signature timestamp outside the accepted window', 'unauthorized');
  const event = mapMailgunEvent(eventData, { receivedAt });
  if (event === null) return refuse(400, 'malformed webhook: event-data has no event', 'malformed');

  const outcome = await ingester.ingest(signature, event);
  const answer = ANSWERS[outcome];
  const headers: Record<string, string> = outcome === 'unavailable' ? { 'retry-after': '60' } : {};
  app.metrics.countWebhook(answer.metric);
  if (outcome === 'unavailable') app.metrics.countDatabaseError('webhook');
  sendJson(res, answer.status, answer.body, headers);
  if (answer.status === 401) app.log.warn({ outcome, eventType: event.name }, 'mailgun webhook refused');
}

export function registerMailgunRoutes(router: Router, app: App): void {
  const ingester = new WebhookIngester(app);
  router.on(['POST'], MAILGUN_WEBHOOK_PATH, (req, res) => receiveWebhook(app, ingester, req, res));
}
