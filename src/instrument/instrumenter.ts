// instrumentEmail (contract section 3): who may send as whom, whether to
// track, the rewrite with this send's own tokens, the send recorded, and the
// headers the CRM attaches. Every call that passes the checks is a new send.
import { randomUUID } from 'node:crypto';
import type { App } from '../app';
import { seesWholeOrganisation, type Viewer } from '../auth/viewer';
import { forbidden } from '../errors';
import { CLICK_PREFIX, OPEN_PREFIX } from '../routes/tracking';
import { gmailClipWarnings } from './gmail-clip';
import { listUnsubscribeHeaders, mailgunVariables, type DeliveryHeaders, type MailgunVariables } from './delivery-headers';
import { recordSend } from './record-send';
import { rewriteHtml, type RewriteResult } from './rewriter';
import type { InstrumentWarning } from './warnings';
import { validateInstrumentInput, type InstrumentEmailFields, type InstrumentRequest } from './validation';

export interface InstrumentedEmail {
  sendId: string;
  html: string | null;
  text: string | null;
  tracked: boolean;
  trackedLinks: number;
  mailgunVariables: MailgunVariables;
  headers: DeliveryHeaders;
  warnings: InstrumentWarning[];
}

/**
 * Longest click token we put in an email; a link whose token would be longer
 * stays untracked (its URL is over ~6 KB). The whole request line must fit
 * the 16 KiB header limit of Node's HTTP server together with the client's
 * headers, and common proxies (nginx) stop at 8 KB per line.
 */
export const MAX_CLICK_TOKEN_LENGTH = 8_000;

export async function instrumentEmail(app: App, viewer: Viewer, input: InstrumentEmailFields): Promise<InstrumentedEmail> {
  assertMaySendAs(viewer, input.senderId, input.senderTeamId ?? null);
  const request = validateInstrumentInput(input);
  // Minted here, not by the database: the tokens written into the HTML carry it.
  const sendId = randomUUID();
  // Rewritten before the transaction, so no row stays locked during CPU work;
  // the transaction reads the contact's own consent and may still record the
  // send untracked, which then drops the rewrite.
  const rewrite =
    request.html !== null && tracks(app, request)
      ? rewriteForSend(app, viewer.orgId, sendId, request.html, request.unsubscribeUrl)
      : null;
  const recorded = await recordSend(app.db, {
    orgId: viewer.orgId,
    sendId,
    senderId: request.senderId,
    senderTeamId: request.senderTeamId ?? (request.senderId === viewer.userId ? viewer.teamId : null),
    contactId: request.contactId,
    recipientEmail: request.recipientEmail,
    subject: request.subject,
    campaignId: request.campaignId,
    campaignName: request.campaignName,
    templateId: request.templateId,
    templateName: request.templateName,
    enrollmentId: request.enrollmentId,
    stepIndex: request.stepIndex,
    messageId: request.messageId,
    tracked: rewrite !== null,
    links: rewrite?.links ?? [],
  });
  const kept = recorded.tracked ? rewrite : null;
  return {
    sendId,
    html: kept?.html ?? request.html,
    text: request.text,
    tracked: kept !== null,
    trackedLinks: kept?.links.length ?? 0,
    mailgunVariables: mailgunVariables(viewer.orgId, sendId),
    headers: listUnsubscribeHeaders(request.unsubscribeUrl),
    warnings: gmailClipWarnings(kept?.html ?? request.html),
  };
}

/**
 * owner, admin and service send on behalf of anyone in their organisation;
 * partner, sales_rep and member only as themselves, and only for their own
 * team (the token's `team` claim), since the team decides whose webhook key
 * and whose team stats a send falls under.
 */
function assertMaySendAs(viewer: Viewer, senderId: string, senderTeamId: string | null): void {
  if (seesWholeOrganisation(viewer)) return;
  if (senderId !== viewer.userId) {
    throw forbidden(`A ${viewer.role} may only send as itself: senderId must be "${viewer.userId}"`);
  }
  if (senderTeamId !== null && senderTeamId !== viewer.teamId) {
    throw forbidden(`A ${viewer.role} may only send for its own team: senderTeamId must be the token's team or absent`);
  }
}

/** Tracking is on for the deployment and the recipient has not declined it for this send (the contact's own consent is read when the send is recorded). */
function tracks(app: App, request: InstrumentRequest): boolean {
  return app.config.trackingEnabled && request.trackingConsent;
}

function rewriteForSend(app: App, orgId: string, sendId: string, html: string, unsubscribeUrl: string | null): RewriteResult {
  const base = app.config.publicBaseUrl;
  return rewriteHtml(html, {
    unsubscribeUrl,
    pixelUrl: `${base}${OPEN_PREFIX}${app.tokens.encodeOpen(orgId, sendId)}.gif`,
    trapUrl: app.config.trapLink ? `${base}${CLICK_PREFIX}${app.tokens.encodeTrap(orgId, sendId)}` : null,
    clickUrl: (url, position) => {
      const token = app.tokens.encodeClick(orgId, sendId, position, url);
      return token.length <= MAX_CLICK_TOKEN_LENGTH ? `${base}${CLICK_PREFIX}${token}` : null;
    },
  });
}
