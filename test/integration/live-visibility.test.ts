// Who sees what over live activity, the same matrix as the stats visibility
// tests: owner, admin and service see their whole organisation; partner,
// sales_rep and member only their own sends; another organisation nothing.
// Every stream and every Query.activity answer is compared with exactly the
// visible events: 0 leaks.
import type { Role } from '../../src/auth/viewer';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gqlRaw } from '../support/graphql-client';
import { ACTIVITY_FIELDS, hitPixel, openLiveStream, type ActivityResult, type LiveStream, type StreamVariables } from '../support/live-stream';
import { insertSend, type TestSend } from '../support/sends';

let t: TestApp;
const orgA = uniqueOrg('live-vis-a');
const orgB = uniqueOrg('live-vis-b');
const orgEmpty = uniqueOrg('live-vis-c');

interface Fixture {
  org: string;
  sender: string;
  campaign: string | null;
  template: string | null;
  send?: TestSend;
}
const fixtures: Fixture[] = [
  { org: orgA, sender: 'u-partner', campaign: 'camp-shared', template: 'tpl-1' },
  { org: orgA, sender: 'u-partner', campaign: 'camp-shared', template: null },
  { org: orgA, sender: 'u-rep', campaign: 'camp-shared', template: 'tpl-1' },
  { org: orgA, sender: 'someone-else', campaign: 'camp-shared', template: 'tpl-1' },
  { org: orgA, sender: 'someone-else', campaign: 'camp-private', template: 'tpl-secret' },
  { org: orgA, sender: 'u-member', campaign: null, template: null },
  // The same ids and senders in another organisation must never mix in.
  { org: orgB, sender: 'u-partner', campaign: 'camp-shared', template: 'tpl-1' },
  { org: orgB, sender: 'u-member', campaign: null, template: null },
];

interface Case {
  label: string;
  org: string;
  userId: string;
  role: Role;
  /** undefined: the whole organisation */
  sender?: string;
  variables?: StreamVariables;
}
const cases: Case[] = [
  { label: 'owner', org: orgA, userId: 'boss', role: 'owner' },
  { label: 'admin', org: orgA, userId: 'boss', role: 'admin' },
  { label: 'service', org: orgA, userId: 'crm', role: 'service' },
  { label: 'partner', org: orgA, userId: 'u-partner', role: 'partner', sender: 'u-partner' },
  { label: 'sales_rep', org: orgA, userId: 'u-rep', role: 'sales_rep', sender: 'u-rep' },
  { label: 'member', org: orgA, userId: 'u-member', role: 'member', sender: 'u-member' },
  { label: 'partner of another organisation', org: orgB, userId: 'u-partner', role: 'partner', sender: 'u-partner' },
  { label: 'admin of another organisation', org: orgEmpty, userId: 'u-partner', role: 'admin' },
  { label: 'owner, one campaign', org: orgA, userId: 'boss', role: 'owner', variables: { campaignId: 'camp-shared' } },
  { label: 'owner, ad-hoc sends', org: orgA, userId: 'boss', role: 'owner', variables: { templateId: 'ad-hoc' } },
  { label: 'sales_rep, a campaign with others\' sends', org: orgA, userId: 'u-rep', role: 'sales_rep', sender: 'u-rep', variables: { campaignId: 'camp-shared' } },
  { label: 'sales_rep, a campaign it has no send in', org: orgA, userId: 'u-rep', role: 'sales_rep', sender: 'u-rep', variables: { campaignId: 'camp-private' } },
  { label: 'partner, a template', org: orgA, userId: 'u-partner', role: 'partner', sender: 'u-partner', variables: { templateId: 'tpl-1' } },
];

function visibleSends(c: Case): string[] {
  return fixtures
    .filter((f) => f.org === c.org && (c.sender === undefined || f.sender === c.sender))
    .filter((f) => c.variables?.campaignId === undefined || f.campaign === c.variables.campaignId)
    .filter((f) => c.variables?.templateId === undefined || (f.template ?? 'ad-hoc') === c.variables.templateId)
    .map((f) => f.send!.sendId)
    .sort();
}

const sendsOf = (events: readonly ActivityResult[]) => [...new Set(events.map((event) => event.sendId))].sort();

beforeAll(async () => {
  t = await startTestApp();
  for (const fixture of fixtures) {
    fixture.send = await insertSend(t.app.db, { orgId: fixture.org, senderId: fixture.sender, campaignId: fixture.campaign, templateId: fixture.template });
  }
});
afterAll(async () => {
  await t.close();
});

describe('live activity visibility', () => {
  it('gives every stream exactly the events of the sends it may see', async () => {
    const streams = new Map<Case, LiveStream>();
    for (const c of cases) streams.set(c, openLiveStream(t.url, await tokenFor(c.org, c.userId, c.role, 'team-1'), c.variables));
    // Sentinels: both organisations' whole view, to know when every batch has been handed out.
    const sentinels = [orgA, orgB].map(async (org) => openLiveStream(t.url, await tokenFor(org, 'sentinel', 'owner')));
    const [sentinelA, sentinelB] = await Promise.all(sentinels);
    try {
      await Promise.all([...streams.values(), sentinelA, sentinelB].map((live) => live.connected));
      for (const fixture of fixtures) await hitPixel(t.url, fixture.send!.openToken, undefined, undefined);
      for (const fixture of fixtures) {
        const sentinel = fixture.org === orgA ? sentinelA : sentinelB;
        await sentinel.waitFor((event) => event.sendId === fixture.send!.sendId);
      }
      // Every batch has been handed out; what each stream was handed may still be on the wire.
      for (const [c, live] of streams) {
        for (const sendId of visibleSends(c)) await live.waitFor((event) => event.sendId === sendId);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));

      let leaks = 0;
      for (const [c, live] of streams) {
        const expected = visibleSends(c);
        const seen = sendsOf(live.events);
        leaks += seen.filter((sendId) => !expected.includes(sendId)).length;
        expect({ case: c.label, seen }).toEqual({ case: c.label, seen: expected });
        expect(live.errors).toEqual([]);
      }
      expect(leaks).toBe(0);
    } finally {
      for (const live of [...streams.values(), sentinelA, sentinelB]) live.close();
    }
  });

  it.each(cases)('answers Query.activity with exactly what $label may see', async (c) => {
    const token = await tokenFor(c.org, c.userId, c.role, 'team-1');
    const args = Object.entries({ ...c.variables, limit: 500 })
      .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
      .join(', ');
    const result = await gqlRaw<{ activity: ActivityResult[] }>(t.url, `{ activity(${args}) { ${ACTIVITY_FIELDS} } }`, {}, token);
    expect(result.errors).toBeUndefined();
    expect(sendsOf(result.data!.activity)).toEqual(visibleSends(c));
  });

  it('refuses Query.activity without a valid token', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      const result = await gqlRaw(t.url, '{ activity { id } }', {}, token);
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
  });
});
