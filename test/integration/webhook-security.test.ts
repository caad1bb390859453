// Who can make the webhook record anything: signatures (forged, missing,
// stale, replayed), per-organisation and per-team keys, and bodies that are
// too large or not Mailgun's.
import { ClearMailgunSigningKeyDocument, SetMailgunSigningKeyDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { PLATFORM_KEY, eventData, formBody, jsonBody, legacyFields, newToken, nowSeconds, postForm, postJson, postWebhook, processedEvents, setSigningKey, signature } from '../support/mailgun';
import { insertSend, sendCounters, storedEvents, type TestSend } from '../support/sends';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY });
});
afterAll(async () => {
  await t.close();
});

const openedBody = (key: string, send: TestSend, options: { timestamp?: number; token?: string } = {}) =>
  jsonBody(key, eventData('opened', { sendId: send.sendId, orgId: send.orgId }), options);

async function nothingRecorded(send: TestSend): Promise<void> {
  expect((await sendCounters(t.app.db, send)).opens).toBe(0);
  expect(await storedEvents(t.app.db, send)).toEqual([]);
  expect(await processedEvents(t.app.db, send.orgId)).toBe(0);
}

const setKey = (orgId: string, key: string, scope: 'ORG' | 'TEAM' = 'ORG', teamId?: string) => setSigningKey(t.url, orgId, key, scope, teamId);

describe('signatures', () => {
  it('refuses a forged, missing or malformed signature with 401 and records nothing', async () => {
    const send = await insertSend(t.app.db, { orgId: uniqueOrg('sec') });
    const data = eventData('opened', { sendId: send.sendId, orgId: send.orgId });
    const forged = { ...signature(PLATFORM_KEY), signature: 'f'.repeat(64) };
    const bodies = [
      jsonBody('not-the-key-0123456789', data),
      JSON.stringify({ signature: forged, 'event-data': data }),
      JSON.stringify({ 'event-data': data }),
      JSON.stringify({ signature: { ...signature(PLATFORM_KEY), signature: 'short' }, 'event-data': data }),
      JSON.stringify({ signature: { timestamp: 'yesterday', token: newToken(), signature: 'a'.repeat(64) }, 'event-data': data }),
    ];
    for (const body of bodies) expect((await postJson(t.url, body)).status).toBe(401);
    const unsignedForm = new URLSearchParams(legacyFields('opened', { sendId: send.sendId, orgId: send.orgId })).toString();
    expect((await postForm(t.url, unsignedForm)).status).toBe(401);
    await nothingRecorded(send);
  });

  it('refuses a signature older or newer than 15 minutes, accepts one inside the window', async () => {
    const send = await insertSend(t.app.db, { orgId: uniqueOrg('sec') });
    expect((await postJson(t.url, openedBody(PLATFORM_KEY, send, { timestamp: nowSeconds() - 16 * 60 }))).status).toBe(401);
    expect((await postJson(t.url, openedBody(PLATFORM_KEY, send, { timestamp: nowSeconds() + 16 * 60 }))).status).toBe(401);
    await nothingRecorded(send);
    expect((await postJson(t.url, openedBody(PLATFORM_KEY, send, { timestamp: nowSeconds() - 14 * 60 }))).status).toBe(200);
  });

  it('refuses a token replayed with another event (the signature does not cover the body)', async () => {
    const send = await insertSend(t.app.db, { orgId: uniqueOrg('sec') });
    const victim = await insertSend(t.app.db, { orgId: uniqueOrg('sec') });
    const token = newToken();
    expect((await postJson(t.url, openedBody(PLATFORM_KEY, send, { token }))).status).toBe(200);
    const replay = await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('failed', { sendId: victim.sendId, orgId: victim.orgId, severity: 'permanent' }), { token }));
    expect(replay.status).toBe(401);
    await nothingRecorded(victim);
    const sameSendReplay = await postJson(t.url, openedBody(PLATFORM_KEY, send, { token }));
    expect(sameSendReplay.status).toBe(401);
    expect((await sendCounters(t.app.db, send)).opens).toBe(1);
  });

  it('checks the legacy form signature the same way', async () => {
    const send = await insertSend(t.app.db, { orgId: uniqueOrg('sec') });
    const fields = legacyFields('opened', { sendId: send.sendId, orgId: send.orgId });
    expect((await postForm(t.url, formBody('wrong-key-0123456789', fields))).status).toBe(401);
    expect((await postForm(t.url, formBody(PLATFORM_KEY, fields, { timestamp: nowSeconds() - 3600 }))).status).toBe(401);
    await nothingRecorded(send);
    expect((await postForm(t.url, formBody(PLATFORM_KEY, fields))).status).toBe(200);
  });

  it('reads multipart/form-data legacy posts', async () => {
    const send = await insertSend(t.app.db, { orgId: uniqueOrg('sec') });
    const form = new FormData();
    for (const [name, value] of new URLSearchParams(formBody(PLATFORM_KEY, legacyFields('opened', { sendId: send.sendId, orgId: send.orgId })))) form.append(name, value);
    expect((await postWebhook(t.url, form)).status).toBe(200);
    expect((await sendCounters(t.app.db, send)).opens).toBe(1);
  });
});

describe('per-organisation and per-team keys', () => {
  it("one organisation's key never verifies another organisation's events", async () => {
    const orgA = uniqueOrg('keyA');
    const orgB = uniqueOrg('keyB');
    await setKey(orgA, 'org-a-signing-key-0001');
    const sendB = await insertSend(t.app.db, { orgId: orgB });
    expect((await postJson(t.url, openedBody('org-a-signing-key-0001', sendB))).status).toBe(401);
    // Naming org A with B's send id finds no send: only the platform key could verify that.
    const disguised = jsonBody('org-a-signing-key-0001', eventData('opened', { sendId: sendB.sendId, orgId: orgA }));
    expect((await postJson(t.url, disguised)).status).toBe(401);
    await nothingRecorded(sendB);
  });

  it('an organisation key, once set, is the only key for its sends; cleared, the platform key works again', async () => {
    const orgId = uniqueOrg('key');
    const send = await insertSend(t.app.db, { orgId });
    await setKey(orgId, 'org-only-signing-key-0001');
    expect((await postJson(t.url, openedBody(PLATFORM_KEY, send))).status).toBe(401);
    expect((await postJson(t.url, openedBody('org-only-signing-key-0001', send))).status).toBe(200);
    const owner = await tokenFor(orgId, 'owner-1', 'owner');
    const cleared = await gql(t.url, ClearMailgunSigningKeyDocument, {}, owner);
    expect(cleared.data?.clearMailgunSigningKey).toEqual({ scope: 'ORG', mailgunSigningKeySet: false, updatedAt: expect.any(String) });
    expect((await postJson(t.url, openedBody('org-only-signing-key-0001', send))).status).toBe(401);
    expect((await postJson(t.url, openedBody(PLATFORM_KEY, send))).status).toBe(200);
    // Both stored; the second collapses into the first (10-minute webhook dedupe).
    expect(await storedEvents(t.app.db, send)).toHaveLength(2);
  });

  it("the sending team's key beats the organisation's; other teams keep the organisation's", async () => {
    const orgId = uniqueOrg('team');
    await setKey(orgId, 'org-level-signing-key-01');
    await setKey(orgId, 'team-red-signing-key-001', 'TEAM', 'red');
    const red = await insertSend(t.app.db, { orgId, senderTeamId: 'red' });
    const blue = await insertSend(t.app.db, { orgId, senderTeamId: 'blue' });
    expect((await postJson(t.url, openedBody('org-level-signing-key-01', red))).status).toBe(401);
    expect((await postJson(t.url, openedBody('team-red-signing-key-001', red))).status).toBe(200);
    expect((await postJson(t.url, openedBody('team-red-signing-key-001', blue))).status).toBe(401);
    expect((await postJson(t.url, openedBody('org-level-signing-key-01', blue))).status).toBe(200);
  });

  it('a stored key copied into another organisation fails to decrypt there: its events are refused', async () => {
    const source = uniqueOrg('copy');
    const target = uniqueOrg('copy');
    await setKey(source, 'copied-signing-key-00001');
    await t.app.db.query(
      `INSERT INTO email_settings (org_id, team_id, mailgun_signing_key_enc) SELECT $2, '', mailgun_signing_key_enc FROM email_settings WHERE org_id = $1`,
      [source, target],
    );
    const send = await insertSend(t.app.db, { orgId: target });
    expect((await postJson(t.url, openedBody('copied-signing-key-00001', send))).status).toBe(401);
    expect((await postJson(t.url, openedBody(PLATFORM_KEY, send))).status).toBe(401);
    await nothingRecorded(send);
  });

  it('an unknown send can only be verified with the platform key', async () => {
    const orgId = uniqueOrg('unknown');
    await setKey(orgId, 'unknown-send-org-key-01');
    const body = jsonBody('unknown-send-org-key-01', eventData('opened', { sendId: '00000000-0000-4000-8000-00000000abcd', orgId }));
    expect((await postJson(t.url, body)).status).toBe(401);
  });
});

describe('bodies', () => {
  it('answers 413 for a body over 1 MiB, announced or streamed', async () => {
    const send = await insertSend(t.app.db, { orgId: uniqueOrg('big') });
    const data = { ...eventData('opened', { sendId: send.sendId, orgId: send.orgId }), padding: 'x'.repeat(1024 * 1024) };
    expect((await postJson(t.url, jsonBody(PLATFORM_KEY, data))).status).toBe(413);
    const chunks = (async function* () {
      for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, 0x20);
    })();
    const streamed = await fetch(`${t.url}/api/v1/webhooks/mailgun`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: ReadableStream.from(chunks),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    await nothingRecorded(send);
  });

  it('answers 400 for malformed bodies', async () => {
    const signed = signature(PLATFORM_KEY);
    const cases: [string, string | undefined][] = [
      ['{"signature": ', 'application/json'],
      ['[1, 2, 3]', 'application/json'],
      [JSON.stringify({ signature: signed }), 'application/json'],
      [JSON.stringify({ signature: signed, 'event-data': 'opened' }), 'application/json'],
      [JSON.stringify({ signature: signed, 'event-data': { id: 'x' } }), 'application/json'],
      ['<xml/>', 'text/xml'],
      ['', 'application/x-www-form-urlencoded'],
      [new URLSearchParams({ ...signed, recipient: 'a@example.com' }).toString(), 'application/x-www-form-urlencoded'],
      ['--nope\r\n', 'multipart/form-data; boundary=zz'],
    ];
    for (const [body, type] of cases) {
      const response = await postWebhook(t.url, body, type);
      expect([body.slice(0, 40), response.status]).toEqual([body.slice(0, 40), 400]);
    }
  });

  it('answers 405 to other methods', async () => {
    expect((await fetch(`${t.url}/api/v1/webhooks/mailgun`)).status).toBe(405);
  });
});

describe('without a platform key', () => {
  it('verifies only sends whose organisation or team set a key', async () => {
    const bare = await startTestApp();
    try {
      const orgId = uniqueOrg('nokey');
      const keyless = await insertSend(bare.app.db, { orgId });
      expect((await postJson(bare.url, openedBody(PLATFORM_KEY, keyless))).status).toBe(401);
      const owner = await tokenFor(orgId, 'owner-1', 'owner');
      await gql(bare.url, SetMailgunSigningKeyDocument, { key: 'own-key-for-nokey-org' }, owner);
      expect((await postJson(bare.url, openedBody('own-key-for-nokey-org', keyless))).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
