// instrumentEmail (contract section 3): who may send as whom, whether to
// track, the rewrite with this send's own tokens, the send recorded, and the
// headers the CRM attaches. Every call that passes the checks is a new send.
import { randomUUID } from 'node:crypto';
import type { App } from '../app';
import { changesOrganisationRecords, seesWholeOrganisation, type Viewer } from '../auth/viewer';
import { forbidden } from '../errors';
import { CLICK_PREFIX, OPEN_PREFIX } from '../routes/tracking';
import { listUnsubscribeHeaders, mailgunVariables, messageIdHeader, mintedMessageId, type DeliveryHeaders, type MailgunVariables } from './delivery-headers';
import { gmailClipWarnings } from './gmail-clip';
import { recordSend } from './record-send';
import type { SendRewriteResult } from './rewrite-for-send';
import { rewriteWithoutBlocking } from './rewrite-off-thread';
import { instrumentWarnings, type InstrumentWarning } from './warnings';
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

export async function instrumentEmail(app: App, viewer: Viewer, input: InstrumentEmailFields): Promise<InstrumentedEmail> {
  assertMaySendAs(viewer, input.senderId, input.senderTeamId ?? null);
  const request = validateInstrumentInput(input);
  // Minted here, not by the database: the tokens written into the HTML carry it.
  const sendId = randomUUID();
  // Every send carries its Message-Id from the start, so no later send can claim it.
  const messageId = request.messageId ?? mintedMessageId(sendId, app.config.publicBaseUrl);
  // Rewritten before the transaction, so no row stays locked during CPU work;
  // the transaction reads the contact's own consent and may still record the
  // send untracked, which then drops the rewrite.
  const rewrite =
    request.html !== null && tracks(app, request)
      ? await rewriteForThisSend(app, viewer.orgId, sendId, request.html, request.unsubscribeUrl)
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
    messageId,
    tracked: rewrite !== null,
    changesSharedRecords: changesOrganisationRecords(viewer),
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
    headers: { ...messageIdHeader(messageId), ...listUnsubscribeHeaders(request.unsubscribeUrl) },
    // In the enum's order: the clip, then the cap.
    warnings: [...gmailClipWarnings(kept?.html ?? request.html), ...instrumentWarnings({ linksCapped: kept?.linksCapped ?? false })],
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

/** The rewrite with this send's tokens, on a worker thread when the email is large. */
function rewriteForThisSend(app: App, orgId: string, sendId: string, html: string, unsubscribeUrl: string | null): Promise<SendRewriteResult> {
  const base = app.config.publicBaseUrl;
  return rewriteWithoutBlocking(app.tokens, app.config.trackingSigningSecret, {
    html,
    unsubscribeUrl,
    orgId,
    sendId,
    pixelUrl: `${base}${OPEN_PREFIX}${app.tokens.encodeOpen(orgId, sendId)}.gif`,
    trapUrl: app.config.trapLink ? `${base}${CLICK_PREFIX}${app.tokens.encodeTrap(orgId, sendId)}` : null,
    clickUrlPrefix: `${base}${CLICK_PREFIX}`,
    maxLinks: app.config.maxTrackedLinks,
  });
}
