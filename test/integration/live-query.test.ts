// Query.activity: the latest retained events, newest first, with their flags
// as they are now; humanOnly; the limit's bounds.
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gqlRaw } from '../support/graphql-client';
import { ACTIVITY_FIELDS, BOT_UA, hitLink, hitPixel, MPP_UA, PERSON_UA, type ActivityResult } from '../support/live-stream';
import { insertSend, storedEvents, type TestSend } from '../support/sends';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ TRUST_PROXY: '1' });
});
afterAll(async () => {
  await t.close();
});

async function activity(token: string, args = ''): Promise<ActivityResult[]> {
  const result = await gqlRaw<{ activity: ActivityResult[] }>(t.url, `{ activity${args ? `(${args})` : ''} { ${ACTIVITY_FIELDS} } }`, {}, token);
  expect(result.errors).toBeUndefined();
  return result.data!.activity;
}

async function stored(send: TestSend, count: number): Promise<void> {
  for (let attempt = 0; attempt < 100 && (await storedEvents(t.app.db, send)).length < count; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Query.activity', () => {
  it('lists the latest events newest first, as they are now, and only people with humanOnly', async () => {
    const org = uniqueOrg('activity');
    const token = await tokenFor(org, 'boss', 'owner');
    const send = await insertSend(t.app.db, { orgId: org, email: 'grace@example.com', links: ['https://example.com/a', 'https://example.com/b'] });
    await hitPixel(t.url, send.openToken, MPP_UA, '192.0.2.1');
    await stored(send, 1);
    await hitPixel(t.url, send.openToken, BOT_UA, '192.0.2.2');
    await stored(send, 2);
    await hitLink(t.url, send.clickTokens[0], PERSON_UA, '192.0.2.3');
    await stored(send, 3);
    // The same address follows the second link at once: both clicks are a sweep's.
    await hitLink(t.url, send.clickTokens[1], PERSON_UA, '192.0.2.3');
    await stored(send, 4);

    const latest = await activity(token);
    expect(latest.map((event) => [event.type, event.url, event.counted, event.bot, event.botReason, event.mpp])).toEqual([
      ['CLICKED', 'https://example.com/b', false, true, 'BURST', false],
      ['CLICKED', 'https://example.com/a', false, true, 'BURST', false],
      ['OPENED', null, false, true, 'USER_AGENT', false],
      ['OPENED', null, true, false, null, true],
    ]);
    expect(latest.every((event) => event.sendId === send.sendId && event.email === 'grace@example.com')).toBe(true);
    expect(await activity(token, 'limit: 2')).toEqual(latest.slice(0, 2));
    expect(await activity(token, 'humanOnly: true')).toEqual([]);

    await hitPixel(t.url, send.openToken, PERSON_UA, '192.0.2.9');
    await stored(send, 5);
    expect((await activity(token, 'humanOnly: true')).map((event) => [event.type, event.counted, event.mpp])).toEqual([['OPENED', true, false]]);
  });

  it('refuses a limit outside 1 to 500', async () => {
    const token = await tokenFor(uniqueOrg('activity'), 'boss', 'owner');
    for (const limit of [0, 501]) {
      const result = await gqlRaw(t.url, `{ activity(limit: ${limit}) { id } }`, {}, token);
      expect(result.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([['BAD_USER_INPUT', 'limit must be between 1 and 500']]);
    }
  });
});
