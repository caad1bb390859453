// Every published Mailgun body of ../shared/realworld/mailgun (SOURCES.md),
// replayed through POST /api/v1/webhooks/mailgun on the real server and
// PostgreSQL, re-signed with the organisation's own key: once naming our send
// by send_id in its user variables, once by Message-Id alone. Each must have
// the effect contract section 6 gives its event; the bodies invalid as
// published must be 400; forged, stale, malformed and oversize ones refused.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { startTestApp, uniqueOrg, type TestApp } from '../support/app';
import { PLATFORM_KEY, contactStatus, insertContact, insertEnrollment, nowSeconds, postForm, postJson, postWebhook, processedEvents, sendStatus, setSigningKey, signature } from '../support/mailgun';
import { REALWORLD, formFields, formTextFields, jsonBody, jsonEventData, legacyFields, loadSources, multipart, readText, realworldFiles, resignFields, type Fields, type Source, type Target } from '../support/realworld-mailgun';
import { insertSend, storedEvents, type TestSend } from '../support/sends';
import { EFFECTS, UNTOUCHED, expected } from './realworld-effects';

const sources = loadSources();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY });
});
afterAll(async () => {
  await t.close();
});

type CaseSend = TestSend & { contactId: string; enrollmentId: string; messageId: string; key: string };

/** A send of a fresh organisation with its own signing key, a contact and an active enrollment. */
async function newSend(): Promise<CaseSend> {
  const orgId = uniqueOrg('rw');
  const key = `rw-${randomUUID()}`;
  await setSigningKey(t.url, orgId, key);
  const contactId = `c-${randomUUID().slice(0, 8)}`;
  await insertContact(t.app.db, orgId, contactId);
  const enrollmentId = await insertEnrollment(t.app.db, orgId, contactId, 'camp-rw');
  const messageId = `${randomUUID()}@mg.realworld.example`;
  const send = await insertSend(t.app.db, { orgId, contactId, messageId });
  return { ...send, contactId, enrollmentId, messageId, key };
}

const targetOf = (send: CaseSend, via: Target['via']): Target => (via === 'send_id' ? { via, sendId: send.sendId } : { via, messageId: send.messageId });

type Transport = 'json' | 'urlencoded' | 'multipart';
const transportsOf = (source: Source): Transport[] => (source.shape === 'json' ? ['json'] : ['urlencoded', 'multipart']);

function post(source: Source, transport: Transport, key: string, target: Target, options: { timestamp?: number } = {}): Promise<Response> {
  if (source.shape === 'json') return postJson(t.url, jsonBody(source, key, jsonEventData(source, target), options));
  const fields = resignFields(legacyFields(source, target), key, options);
  return transport === 'multipart' ? postWebhook(t.url, multipart(fields)) : postForm(t.url, new URLSearchParams(fields).toString());
}

async function enrollmentStatus(orgId: string, id: string): Promise<string> {
  const [row] = await t.app.db.query(`SELECT status FROM enrollments WHERE org_id = $1 AND id = $2`, [orgId, id]);
  return (row as { status: string }).status;
}

/** What an event can change: the send, its contact and enrollment, the events recorded. */
async function effectsOn(send: CaseSend) {
  const [{ status_changed_at: statusChangedAt }] = await t.app.db.query(`SELECT status_changed_at FROM sends WHERE org_id = $1 AND id = $2`, [send.orgId, send.sendId]);
  return {
    send: await sendStatus(t.app.db, send.orgId, send.sendId),
    statusSet: statusChangedAt !== null,
    contact: await contactStatus(t.app.db, send.orgId, send.contactId),
    enrollment: await enrollmentStatus(send.orgId, send.enrollmentId),
    events: await storedEvents(t.app.db, send),
  };
}

/** The send's time and every time an event set on it or recorded for it. */
async function timesOf(send: CaseSend): Promise<{ sentAt: Date; eventTimes: Date[] }> {
  const [row] = await t.app.db.query(`SELECT sent_at, status_changed_at, first_opened_at, last_clicked_at FROM sends WHERE org_id = $1 AND id = $2`, [send.orgId, send.sendId]);
  const events = await t.app.db.query(`SELECT occurred_at FROM tracking_events WHERE org_id = $1 AND send_id = $2`, [send.orgId, send.sendId]);
  const [contact] = await t.app.db.query(`SELECT status_changed_at FROM contacts WHERE org_id = $1 AND id = $2`, [send.orgId, send.contactId]);
  const set = [row.status_changed_at, row.first_opened_at, row.last_clicked_at, contact.status_changed_at, ...events.map((event: { occurred_at: Date }) => event.occurred_at)];
  return { sentAt: row.sent_at, eventTimes: set.filter((at): at is Date => at !== null) };
}

async function clickedUrls(send: CaseSend): Promise<(string | null)[]> {
  const rows = await t.app.db.query(`SELECT url FROM tracking_events WHERE org_id = $1 AND send_id = $2`, [send.orgId, send.sendId]);
  return rows.map((row: { url: string | null }) => row.url);
}

async function pseudonymised(send: CaseSend): Promise<boolean[]> {
  const rows = await t.app.db.query(`SELECT ip_hash IS NOT NULL AS hashed FROM tracking_events WHERE org_id = $1 AND send_id = $2`, [send.orgId, send.sendId]);
  return rows.map((row: { hashed: boolean }) => row.hashed);
}

/** A top-level field of the event, as published. */
function publishedField(source: Source, name: string): string | null {
  if (source.shape === 'json') return typeof source.eventData[name] === 'string' ? (source.eventData[name] as string) : null;
  return source.fields.find(([field]) => field === name)?.[1] ?? null;
}

function describeRealworld(body: () => void): void {
  if (realworldFiles.length > 0) return describe(`replaying the published Mailgun bodies at ${REALWORLD}`, body);
  console.warn(`published Mailgun bodies not found at ${REALWORLD}: the real-world webhook tests are skipped`);
  describe.skip(`published Mailgun bodies not found at ${REALWORLD}`, () => it('replays every published body', () => undefined));
}

describeRealworld(() => {
  it('knows what every published file is and what each of its events does', () => {
    const replayed = new Set(sources.map((source) => source.name.replace(/#.*$/, '')));
    // Invalid JSON is checked for its 400 below, and a .form.txt against its .form.urlencoded twin.
    const covered = (file: string) =>
      replayed.has(file) || file.endsWith('.INVALID-JSON.txt') || (file.endsWith('.form.txt') && replayed.has(file.replace(/\.txt$/, '.urlencoded')));
    expect(realworldFiles.filter((file) => !covered(file))).toEqual([]);
    expect(sources.map((source) => source.name).sort()).toEqual(Object.keys(EFFECTS).sort());
  });

  it.each(realworldFiles.filter((file) => file.endsWith('.form.txt')))('%s holds the fields of its urlencoded twin', (file) => {
    expect(formTextFields(readText(file))).toEqual(formFields(readText(file.replace(/\.txt$/, '.urlencoded'))));
  });

  it.each(realworldFiles.filter((file) => file.endsWith('.INVALID-JSON.txt')))('%s, invalid JSON as published: 400, nothing recorded', async (file) => {
    const send = await newSend();
    const text = readText(file);
    const body = file.includes('.event-data.') ? `{"signature":${JSON.stringify(signature(send.key))},"event-data":${text}}` : text;
    expect((await postJson(t.url, body)).status).toBe(400);
    expect(await processedEvents(t.app.db, send.orgId)).toBe(0);
  });

  it('the Events API page (not a webhook) posted as it is: 400', async () => {
    expect((await postJson(t.url, readText('ghost__events-api-page-all-1.json'))).status).toBe(400);
  });

  describe.each(sources.map((source) => [source.name, source] as const))('%s', (name, source) => {
    const effect = EFFECTS[name]!;
    const refusal = effect === 'malformed' ? 400 : 401;

    it.each(transportsOf(source).flatMap((transport) => (['send_id', 'message-id'] as const).map((via) => [transport, via] as const)))(
      `as %s, found by %s: ${effect}`,
      async (transport, via) => {
        const send = await newSend();
        const target = targetOf(send, via);
        // Legacy webhooks sign the event's own time, which a retry keeps (the token is new each time).
        const signedAt = { timestamp: nowSeconds() };
        const response = await post(source, transport, send.key, target, signedAt);
        // (the only published bodies without an event are inbound-route posts)
        if (effect === 'malformed') expect([response.status, await response.json()]).toEqual([400, { error: expect.stringContaining('inbound-route post') }]);
        else expect([response.status, await response.json()]).toEqual([200, { status: effect === 'ignored' ? 'ignored' : 'processed' }]);
        const effects = await effectsOn(send);
        expect(effects).toEqual(expected(effect));
        expect(await processedEvents(t.app.db, send.orgId)).toBe(effect === 'malformed' ? 0 : 1);
        if (effect === 'click') expect(await clickedUrls(send)).toEqual([publishedField(source, 'url')]);
        // An address that is none (888.222.444.111) gives no client pseudonym.
        if (effects.events.length > 0) expect(await pseudonymised(send)).toEqual([isIP(publishedField(source, 'ip') ?? '') !== 0]);
        // Years-old event times under a fresh signature (Mailgun's test payloads) never date anything long before the send.
        const { sentAt, eventTimes } = await timesOf(send);
        for (const at of eventTimes) expect(at.getTime()).toBeGreaterThanOrEqual(sentAt.getTime() - 24 * 3600_000);
        if (effect === 'malformed') return;
        // Mailgun retries what it thinks failed, signed anew: handled once.
        const again = await post(source, transport, send.key, target, signedAt);
        expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate' }]);
        expect(await effectsOn(send)).toEqual(effects);
      },
    );

    it.each(transportsOf(source))('as %s: forged and stale signatures 401, malformed 400, oversize 413; nothing recorded', async (transport) => {
      const send = await newSend();
      const target = targetOf(send, 'send_id');
      expect((await post(source, transport, 'someone-elses-key-0000001', target)).status).toBe(refusal);
      expect((await post(source, transport, PLATFORM_KEY, target)).status).toBe(refusal);
      expect((await post(source, transport, send.key, target, { timestamp: nowSeconds() - 16 * 60 })).status).toBe(refusal);
      if (source.shape === 'form' && source.fields.filter(([field]) => field === 'signature').length > 1) {
        // User variables named like the signature fields come first: signing those must not pass.
        expect((await postForm(t.url, new URLSearchParams(signFirstFields(legacyFields(source, target), send.key)).toString())).status).toBe(refusal);
      }
      expect((await postWebhook(t.url, oversize(source, send.key, target), contentTypeOf(source))).status).toBe(413);
      expect((await postWebhook(t.url, truncated(source, send.key, target), contentTypeOf(source))).status).toBe(400);
      expect(await effectsOn(send)).toEqual(UNTOUCHED);
      expect(await processedEvents(t.app.db, send.orgId)).toBe(0);
    });
  });
});

/** A valid signature in the first timestamp, token and signature fields, the published (stale) ones left last. */
function signFirstFields(fields: Fields, key: string): Fields {
  const signed = signature(key);
  const seen = new Set<string>();
  return fields.map(([name, value]): [string, string] => {
    if (!(name in signed) || seen.has(name)) return [name, value];
    seen.add(name);
    return [name, signed[name as keyof typeof signed]];
  });
}

const contentTypeOf = (source: Source) => (source.shape === 'json' ? 'application/json' : 'application/x-www-form-urlencoded');
const PADDING = 'x'.repeat(1024 * 1024 + 1);

/** The body with a variable of over 1 MiB. */
function oversize(source: Source, key: string, target: Target): string {
  if (source.shape === 'json') return jsonBody(source, key, { ...jsonEventData(source, target), padding: PADDING });
  return new URLSearchParams([...resignFields(legacyFields(source, target), key), ['padding', PADDING]]).toString();
}

/** JSON cut short; a form without its event field. */
function truncated(source: Source, key: string, target: Target): string {
  if (source.shape === 'json') {
    const body = jsonBody(source, key, jsonEventData(source, target));
    return body.slice(0, body.length - 2);
  }
  return new URLSearchParams(resignFields(legacyFields(source, target), key).filter(([name]) => name !== 'event')).toString();
}
