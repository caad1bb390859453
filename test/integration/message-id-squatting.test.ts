// One organisation cannot make another's Mailgun events be ignored, nor land
// on its own send, by recording a send with the other's Message-Id (issue 22,
// finding 3): every recipient of an email sees its Message-Id. The earliest
// send carrying a Message-Id owns it, and every send carries one from the
// start (the CRM's, or one minted for it), so a squatter, who can only learn
// it after the email went out, is always later.
import type { Role } from '../../src/auth/viewer';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { emailInput, instrument } from '../support/instrument';
import { contactStatus, eventData, jsonBody, PLATFORM_KEY, postJson, sendStatus } from '../support/mailgun';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY });
});
afterAll(async () => t.close());

interface Sent {
  orgId: string;
  sendId: string;
  contactId: string;
  messageId: string;
}

async function send(orgId: string, role: Role, messageId?: string): Promise<Sent> {
  const input = emailInput({ senderId: 'me', ...(messageId ? { messageId } : {}) });
  const result = await instrument(t.url, await tokenFor(orgId, 'me', role), input);
  expect(result.errors).toBeUndefined();
  const email = result.data!.instrumentEmail;
  return { orgId, sendId: email.sendId, contactId: String(input.contactId), messageId: (email.headers as Record<string, string>)['Message-Id'] };
}

/** Mailgun's event for the email carrying `messageId`, its user variables lost (truncated): only the Message-Id leads to the send. */
async function mailgunReports(event: 'unsubscribed' | 'complained' | 'failed', messageId: string): Promise<unknown> {
  const data = eventData(event, { messageId: messageId.replace(/^<|>$/g, ''), ...(event === 'failed' ? { severity: 'permanent' as const } : {}) });
  data['user-variables'] = 'Could not load user-variables. They were either truncated or invalid JSON';
  const response = await postJson(t.url, jsonBody(PLATFORM_KEY, data));
  expect(response.status).toBe(200);
  return response.json();
}

describe.each([
  ['the CRM named the Message-Id', 'a-crm-message-id@mail.victim.example'],
  ['the Message-Id was minted for the send', undefined],
])('when %s, a later send of another organisation carrying it', (_case, given) => {
  it("changes nothing: the victim's unsubscribe, complaint and bounce land on the victim's send", async () => {
    const victim = await send(uniqueOrg('victim'), 'service', given);
    if (given) expect(victim.messageId).toBe(`<${given}>`);
    // a member of another organisation received the email, and records a send with its Message-Id
    const squatter = await send(uniqueOrg('squatter'), 'member', victim.messageId);

    expect(await mailgunReports('unsubscribed', victim.messageId)).toEqual({ status: 'processed' });
    expect(await contactStatus(t.app.db, victim.orgId, victim.contactId)).toBe('UNSUBSCRIBED');
    expect(await mailgunReports('complained', victim.messageId)).toEqual({ status: 'processed' });
    expect(await contactStatus(t.app.db, victim.orgId, victim.contactId)).toBe('COMPLAINED');
    expect(await mailgunReports('failed', victim.messageId)).toEqual({ status: 'processed' });
    expect(await sendStatus(t.app.db, victim.orgId, victim.sendId)).toBe('FAILED');

    expect(await contactStatus(t.app.db, squatter.orgId, squatter.contactId)).toBe('ACTIVE');
    expect(await sendStatus(t.app.db, squatter.orgId, squatter.sendId)).toBe('SENT');
  });
});
