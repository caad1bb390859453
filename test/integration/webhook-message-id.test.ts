// Events without a usable send_id find their send by Message-Id across every
// organisation (contract section 6): the organisation of the earliest send
// carrying it owns it, exactly one of its sends must carry it, and the event
// is verified with that send's own key.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { MailgunEvent } from '../../src/webhooks/map-mailgun-event';
import { resolveWebhookSends } from '../../src/webhooks/send-lookup';
import { FIND_SENDS } from '../../src/webhooks/send-refs';
import { startTestApp, uniqueOrg, type TestApp } from '../support/app';
import { PLATFORM_KEY, contactStatus, eventData, insertContact, jsonBody, postJson, processedEvents, sendStatus, setSigningKey } from '../support/mailgun';
import { insertSend } from '../support/sends';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY });
});
afterAll(async () => {
  await t.close();
});

const newMessageId = () => `${randomUUID()}@mg.crm.example`;

async function sendWithMessageId(messageId: string, orgId = uniqueOrg('mid'), senderTeamId: string | null = null, sentAt?: Date) {
  const contactId = `c-${randomUUID().slice(0, 8)}`;
  await insertContact(t.app.db, orgId, contactId);
  const send = await insertSend(t.app.db, { orgId, contactId, messageId, senderTeamId, sentAt });
  return { ...send, contactId };
}

/** A permanent failure whose user-variables are `variables` (undefined: no key at all). */
function bounce(messageId: string, variables: unknown): Record<string, unknown> {
  const data = eventData('failed', { severity: 'permanent', messageId });
  if (variables === undefined) delete data['user-variables'];
  else data['user-variables'] = variables;
  return data;
}

async function answer(key: string, data: Record<string, unknown>): Promise<[number, unknown]> {
  const response = await postJson(t.url, jsonBody(key, data));
  return [response.status, await response.json()];
}

describe('an event without a usable send_id', () => {
  const shapes: [string, unknown][] = [
    ['no user-variables at all', undefined],
    ['an empty object', {}],
    ["Mailgun's empty array", []],
    ['the "Could not load" string', 'Could not load user-variables. They were either truncated or invalid JSON'],
    ['a JSON string without send_id', JSON.stringify({ campaign: 'spring' })],
    ['a send_id that is not a uuid', { send_id: 'crm-4711' }],
    ['a uuid send_id that is none of ours', { send_id: randomUUID() }],
    ['an org_id that is not the send’s', { org_id: 'some-other-org' }],
  ];

  it.each(shapes)('with %s: matched by Message-Id in any organisation', async (_label, variables) => {
    const messageId = newMessageId();
    const send = await sendWithMessageId(messageId);
    expect(await answer(PLATFORM_KEY, bounce(messageId, variables))).toEqual([200, { status: 'processed' }]);
    expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('FAILED');
    expect(await contactStatus(t.app.db, send.orgId, send.contactId)).toBe('BOUNCED');
  });

  it('matches with or without angle brackets, on either side', async () => {
    const bare = newMessageId();
    const stored = await sendWithMessageId(`<${bare}>`);
    expect(await answer(PLATFORM_KEY, bounce(bare, []))).toEqual([200, { status: 'processed' }]);
    expect(await sendStatus(t.app.db, stored.orgId, stored.sendId)).toBe('FAILED');
    const other = newMessageId();
    const plain = await sendWithMessageId(other);
    expect(await answer(PLATFORM_KEY, bounce(`<${other}>`, []))).toEqual([200, { status: 'processed' }]);
    expect(await sendStatus(t.app.db, plain.orgId, plain.sendId)).toBe('FAILED');
  });

  it('is verified with the key of the send it found: the organisation key is then the only one accepted', async () => {
    const orgId = uniqueOrg('midkey');
    await setSigningKey(t.url, orgId, 'message-id-org-key-0001');
    const messageId = newMessageId();
    const send = await sendWithMessageId(messageId, orgId);
    expect((await answer(PLATFORM_KEY, bounce(messageId, [])))[0]).toBe(401);
    expect((await answer('another-orgs-key-000001', bounce(messageId, [])))[0]).toBe(401);
    expect(await sendStatus(t.app.db, orgId, send.sendId)).toBe('SENT');
    expect(await processedEvents(t.app.db, orgId)).toBe(0);
    expect(await answer('message-id-org-key-0001', bounce(messageId, []))).toEqual([200, { status: 'processed' }]);
    expect(await sendStatus(t.app.db, orgId, send.sendId)).toBe('FAILED');
  });

  it("is verified with the sending team's key when the team set one", async () => {
    const orgId = uniqueOrg('midteam');
    await setSigningKey(t.url, orgId, 'message-id-org-key-0002');
    await setSigningKey(t.url, orgId, 'message-id-team-key-001', 'TEAM', 'red');
    const messageId = newMessageId();
    const send = await sendWithMessageId(messageId, orgId, 'red');
    expect((await answer('message-id-org-key-0002', bounce(messageId, undefined)))[0]).toBe(401);
    expect(await answer('message-id-team-key-001', bounce(messageId, undefined))).toEqual([200, { status: 'processed' }]);
    expect(await sendStatus(t.app.db, orgId, send.sendId)).toBe('FAILED');
  });

  it('is ignored when two sends of one organisation carry the Message-Id', async () => {
    const messageId = newMessageId();
    const first = await sendWithMessageId(messageId);
    const second = await sendWithMessageId(`<${messageId}>`, first.orgId);
    expect(await answer(PLATFORM_KEY, bounce(messageId, []))).toEqual([200, { status: 'ignored' }]);
    for (const send of [first, second]) {
      expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('SENT');
      expect(await contactStatus(t.app.db, send.orgId, send.contactId)).toBe('ACTIVE');
    }
  });

  it('goes to the organisation of the earliest send when two organisations carry it', async () => {
    const messageId = newMessageId();
    const later = await sendWithMessageId(messageId, uniqueOrg('mid'));
    await sendWithMessageId(messageId, later.orgId);
    // recorded a minute before the other organisation's, though inserted after them here
    const first = await sendWithMessageId(messageId, uniqueOrg('mid'), null, new Date(Date.now() - 60_000));
    expect(await answer(PLATFORM_KEY, bounce(messageId, []))).toEqual([200, { status: 'processed' }]);
    expect(await sendStatus(t.app.db, first.orgId, first.sendId)).toBe('FAILED');
    expect(await sendStatus(t.app.db, later.orgId, later.sendId)).toBe('SENT');
  });

  it('is ignored when no send carries the Message-Id, or the event has none', async () => {
    expect(await answer(PLATFORM_KEY, bounce(newMessageId(), []))).toEqual([200, { status: 'ignored' }]);
    const data = bounce(newMessageId(), []);
    data.message = { headers: {} };
    expect(await answer(PLATFORM_KEY, data)).toEqual([200, { status: 'ignored' }]);
  });
});

it('a send_id of ours wins over a Message-Id that another send carries', async () => {
  const messageId = newMessageId();
  const carrier = await sendWithMessageId(messageId);
  const named = await sendWithMessageId(newMessageId());
  expect(await answer(PLATFORM_KEY, bounce(messageId, { send_id: named.sendId }))).toEqual([200, { status: 'processed' }]);
  expect(await sendStatus(t.app.db, named.orgId, named.sendId)).toBe('FAILED');
  expect(await sendStatus(t.app.db, carrier.orgId, carrier.sendId)).toBe('SENT');
});

it('twenty events at once, each by Message-Id alone, in batches: each finds its own send', async () => {
  const sends = await Promise.all(Array.from({ length: 20 }, () => newMessageId()).map(async (messageId) => ({ messageId, ...(await sendWithMessageId(messageId)) })));
  const answers = await Promise.all(sends.map((send) => answer(PLATFORM_KEY, bounce(send.messageId, []))));
  expect(answers).toEqual(sends.map(() => [200, { status: 'processed' }]));
  for (const send of sends) expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('FAILED');
});

describe('the look-up statement', () => {
  const event = (fields: Partial<MailgunEvent>) => ({ sendId: null, orgId: null, messageId: null, ...fields }) as MailgunEvent;

  it('answers a mixed batch, one send or null per event, in order: one statement per organisation named, one for the rest', async () => {
    const byId = await sendWithMessageId(newMessageId());
    const byMessage = await sendWithMessageId(newMessageId());
    const shared = newMessageId();
    const sharer = await sendWithMessageId(shared);
    await sendWithMessageId(shared, sharer.orgId);
    const events = [
      event({ sendId: byId.sendId, orgId: byId.orgId }),
      event({ messageId: (await t.app.db.query(`SELECT message_id FROM sends WHERE id = $1`, [byMessage.sendId]))[0].message_id }),
      event({ messageId: shared }),
      event({ sendId: randomUUID(), messageId: newMessageId() }),
      event({ sendId: byId.sendId }),
    ];
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      const found = await t.app.db.transaction((manager) => resolveWebhookSends(manager, events));
      expect(found.map((send) => send?.sendId ?? null)).toEqual([byId.sendId, byMessage.sendId, null, null, byId.sendId]);
      const named = (prefix: string) => query.mock.calls.filter(([config]) => (config as { name?: string }).name?.startsWith(prefix));
      // byId's organisation, on its own shard on Citus; then the events without one, on every shard
      expect(named('mailgun-find-own-sends')).toHaveLength(1);
      expect(named('mailgun-find-sends')).toHaveLength(1);
    } finally {
      query.mockRestore();
    }
  });

  it('probes the Message-Id through sends_by_message_id_idx, not a scan of every organisation', async () => {
    const plan = await t.app.db.transaction(async (manager) => {
      // On Citus the setting must reach the workers, where the shards are scanned.
      await manager.query(`SET LOCAL citus.propagate_set_commands = 'local'`);
      await manager.query(`SET LOCAL enable_seqscan = off`);
      const rows: { 'QUERY PLAN': string }[] = await manager.query(`EXPLAIN ${FIND_SENDS.text}`, [[0], [null], [newMessageId()]]);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index (Only )?Scan using sends_by_message_id_idx|Bitmap Index Scan on sends_by_message_id_idx/);
  });
});
