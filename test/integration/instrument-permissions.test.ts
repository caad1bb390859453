// Who may instrument an email as whom: owner, admin and service name any
// sender; partner, sales_rep and member only themselves (and their own team).
import type { Role } from '../../src/auth/viewer';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes } from '../support/graphql-client';
import { emailInput, instrument, sendCount, storedSend } from '../support/instrument';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const EVERY_ROLE: Role[] = ['owner', 'admin', 'service', 'partner', 'sales_rep', 'member'];
const ANY_SENDER: Role[] = ['owner', 'admin', 'service'];

describe.each(EVERY_ROLE)('as %s', (role) => {
  it('may send as itself, the send recorded in its own organisation', async () => {
    const orgId = uniqueOrg();
    const result = await instrument(t.url, await tokenFor(orgId, 'me', role), emailInput({ senderId: 'me' }));
    expect(result.errors).toBeUndefined();
    expect((await storedSend(t.app.db, orgId, result.data!.instrumentEmail.sendId))?.sender_id).toBe('me');
  });

  const mayNameOthers = ANY_SENDER.includes(role);
  it(mayNameOthers ? 'may name another sender' : 'may not name another sender: FORBIDDEN, nothing recorded', async () => {
    const orgId = uniqueOrg();
    const result = await instrument(t.url, await tokenFor(orgId, 'me', role), emailInput({ senderId: 'someone-else' }));
    if (mayNameOthers) {
      expect(result.errors).toBeUndefined();
      expect((await storedSend(t.app.db, orgId, result.data!.instrumentEmail.sendId))?.sender_id).toBe('someone-else');
    } else {
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
      expect(result.errors![0]!.message).toContain('senderId');
      expect(result.data).toBeNull();
      expect(await sendCount(t.app.db, orgId)).toBe(0);
    }
  });
});

describe('the sender team', () => {
  it("defaults to the caller's team claim when the caller is the sender", async () => {
    const orgId = uniqueOrg();
    const token = await tokenFor(orgId, 'p1', 'partner', 'team-north');
    const result = await instrument(t.url, token, emailInput({ senderId: 'p1' }));
    expect((await storedSend(t.app.db, orgId, result.data!.instrumentEmail.sendId))?.sender_team_id).toBe('team-north');
  });

  it('is what an admin names, and not the admin’s own team when naming another sender', async () => {
    const orgId = uniqueOrg();
    const token = await tokenFor(orgId, 'a1', 'admin', 'team-admins');
    const named = await instrument(t.url, token, emailInput({ senderId: 'p1', senderTeamId: 'team-south' }));
    expect((await storedSend(t.app.db, orgId, named.data!.instrumentEmail.sendId))?.sender_team_id).toBe('team-south');
    const unnamed = await instrument(t.url, token, emailInput({ senderId: 'p1' }));
    expect((await storedSend(t.app.db, orgId, unnamed.data!.instrumentEmail.sendId))?.sender_team_id).toBeNull();
  });

  it('may be given by a partner only when it is its own team', async () => {
    const orgId = uniqueOrg();
    const token = await tokenFor(orgId, 'p1', 'partner', 'team-north');
    const own = await instrument(t.url, token, emailInput({ senderId: 'p1', senderTeamId: 'team-north' }));
    expect(own.errors).toBeUndefined();
    const other = await instrument(t.url, token, emailInput({ senderId: 'p1', senderTeamId: 'team-south' }));
    expect(errorCodes(other)).toEqual(['FORBIDDEN']);
    const teamless = await instrument(t.url, await tokenFor(orgId, 'm1', 'member'), emailInput({ senderId: 'm1', senderTeamId: 'team-north' }));
    expect(errorCodes(teamless)).toEqual(['FORBIDDEN']);
    expect(await sendCount(t.app.db, orgId)).toBe(1);
  });
});

describe('without a valid token', () => {
  const orgId = uniqueOrg();
  it.each([
    ['no token', async () => undefined],
    ['a malformed token', async () => 'not-a-jwt'],
    ['an expired token', async () => tokenFor(orgId, 'me', 'admin', undefined, '-1m')],
  ])('answers UNAUTHENTICATED with %s, and records nothing', async (_case, token) => {
    const before = await sendCount(t.app.db, orgId);
    const result = await instrument(t.url, await token(), emailInput({ senderId: 'me' }));
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.data).toBeNull();
    expect(await sendCount(t.app.db, orgId)).toBe(before);
  });
});
