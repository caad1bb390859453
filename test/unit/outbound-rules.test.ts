// The pure rules of outbound webhooks: the retry schedule, which targets may
// be reached, which endpoints get which event, and what a body holds.
import { afterFailure, RETRY_SPAN_MS } from '../../src/outbound/retry-schedule';
import { checkTargetUrl, isPublicAddress, refusedAddresses } from '../../src/outbound/target-rules';
import { bodySaidCounted, endpointWants, eventBody, type SettledEvent } from '../../src/outbound/event-body';
import { endpointScope, eventTypesOf, managedScope } from '../../src/outbound/endpoint-access';

describe('retry schedule', () => {
  const start = 1_000_000;
  it('waits about 5 s, 30 s, 2 min, 10 min, 30 min, then hourly', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((attempts) => (afterFailure(attempts, start, start, 0) as { retryAt: number }).retryAt - start);
    expect(waits).toEqual([5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 3_600_000]);
    // Spread by at most a tenth, never shorter.
    expect((afterFailure(1, start, start, 0.999) as { retryAt: number }).retryAt - start).toBeLessThanOrEqual(5_500);
  });
  it('gives up once the next try would fall past 24 hours', () => {
    expect(afterFailure(20, start, start + RETRY_SPAN_MS - 3_600_000, 0)).toEqual({ retryAt: start + RETRY_SPAN_MS });
    expect(afterFailure(21, start, start + RETRY_SPAN_MS - 1_000, 0)).toEqual({ failed: true });
  });
});

describe('targets', () => {
  it('knows public addresses from the others', () => {
    for (const address of ['8.8.8.8', '2a00:1450:4001::1', '93.184.216.34']) expect([address, isPublicAddress(address)]).toEqual([address, true]);
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fc00::1', '::ffff:127.0.0.1', '224.0.0.1', 'not-an-ip']) {
      expect([address, isPublicAddress(address)]).toEqual([address, false]);
    }
  });
  it('refuses http:, private literals and credentials unless private targets are allowed', () => {
    const problem = (url: string, allow = false) => ('problem' in checkTargetUrl(url, allow) ? (checkTargetUrl(url, allow) as { problem: string }).problem : null);
    expect(problem('https://crm.example.com/hooks?x=1')).toBeNull();
    expect(problem('http://crm.example.com/hooks')).toBe('url must use https:');
    expect(problem('https://10.0.0.1/')).toBe('url must point at a public address');
    expect(problem('https://[::1]/')).toBe('url must point at a public address');
    expect(problem('https://user:pw@crm.example.com/')).toMatch(/user name or password/);
    expect(problem('ftp://crm.example.com/')).toMatch(/http\(s\)/);
    expect(problem('/relative')).toMatch(/http\(s\)/);
    expect(problem(`https://crm.example.com/${'a'.repeat(2100)}`)).toMatch(/characters/);
    expect(problem('http://127.0.0.1:8080/', true)).toBeNull();
  });
  it('refuses a name when any of its addresses is not public', () => {
    expect(refusedAddresses(['93.184.216.34'], false)).toBeNull();
    expect(refusedAddresses(['93.184.216.34', '127.0.0.1'], false)).toMatch(/non-public/);
    expect(refusedAddresses(['127.0.0.1'], true)).toBeNull();
    expect(refusedAddresses([], true)).toMatch(/no address/);
  });
});

const event = (engagement: Partial<NonNullable<SettledEvent['engagement']>> | null, team: string | null = null): SettledEvent => ({
  eventId: 'e1',
  sendId: 's1',
  senderTeamId: team,
  campaignId: 'c',
  templateId: null,
  enrollmentId: 'en',
  stepIndex: 2,
  senderId: 'u1',
  contactId: 'k1',
  occurredAt: new Date('2026-01-02T03:04:05Z'),
  source: 'PIXEL',
  engagement: engagement && { counted: true, bot: false, botReason: null, mpp: false, firstForSend: true, url: null, linkName: null, ...engagement },
});

describe('which endpoints get what', () => {
  const all = { teamId: '', events: null, humanOnly: false };
  const humans = { ...all, humanOnly: true };
  it('humanOnly endpoints get counted, non-bot, non-MPP opens and clicks, and every other type', () => {
    expect(endpointWants(humans, 'OPENED', event({}))).toBe(true);
    expect(endpointWants(humans, 'OPENED', event({ mpp: true }))).toBe(false);
    expect(endpointWants(humans, 'CLICKED', event({ counted: false, bot: true, botReason: 'BURST' }))).toBe(false);
    expect(endpointWants(humans, 'CLICKED', event({ counted: false }))).toBe(false);
    expect(endpointWants(humans, 'RECLASSIFIED', event({ counted: false, bot: true }))).toBe(true);
    expect(endpointWants(humans, 'BOUNCED', event(null))).toBe(true);
    expect(endpointWants(all, 'OPENED', event({ mpp: true }))).toBe(true);
  });
  it('a team endpoint gets its team only; a chosen list of types only those', () => {
    expect(endpointWants({ ...all, teamId: 't1' }, 'OPENED', event({}, 't1'))).toBe(true);
    expect(endpointWants({ ...all, teamId: 't1' }, 'OPENED', event({}, 't2'))).toBe(false);
    expect(endpointWants({ ...all, teamId: 't1' }, 'OPENED', event({}, null))).toBe(false);
    expect(endpointWants({ ...all, events: ['BOUNCED'] }, 'OPENED', event({}))).toBe(false);
  });
});

describe('bodies', () => {
  it('an open has no url; a click has url and linkName; a bounce has nulls where engagement means nothing', () => {
    const open = JSON.parse(eventBody('OPENED', event({})));
    expect(open).toEqual({ type: 'email.opened', timestamp: '2026-01-02T03:04:05.000Z', data: expect.objectContaining({ eventId: 'e1', counted: true, stepIndex: 2 }) });
    expect(open.data).not.toHaveProperty('url');
    expect(JSON.parse(eventBody('CLICKED', event({ url: 'https://x.test/' }))).data).toMatchObject({ url: 'https://x.test/', linkName: null });
    expect(JSON.parse(eventBody('BOUNCED', event(null))).data).toMatchObject({ counted: null, bot: null, mpp: null, firstForSend: null, source: 'PIXEL' });
    expect(bodySaidCounted(eventBody('OPENED', event({})))).toBe(true);
    expect(bodySaidCounted(eventBody('OPENED', event({ counted: false })))).toBe(false);
  });
});

describe('who manages endpoints', () => {
  const viewer = (role: 'owner' | 'admin' | 'service' | 'partner' | 'sales_rep' | 'member', teamId: string | null = null) => ({ userId: 'u', orgId: 'o', role, teamId });
  it('ORG: owner, admin, service; TEAM: a partner with a team', () => {
    for (const role of ['owner', 'admin', 'service'] as const) expect(endpointScope(viewer(role), 'ORG')).toEqual({ orgId: 'o', teamId: '' });
    for (const role of ['partner', 'sales_rep', 'member'] as const) expect(endpointScope(viewer(role, 't'), 'ORG')).toBeNull();
    expect(endpointScope(viewer('partner', 't'), 'TEAM')).toEqual({ orgId: 'o', teamId: 't' });
    expect(endpointScope(viewer('partner'), 'TEAM')).toBeNull();
    expect(endpointScope(viewer('sales_rep', 't'), 'TEAM')).toBeNull();
    expect(managedScope(viewer('member'))).toBeNull();
  });
  it('event types: absent is every type, empty is refused, repeats go', () => {
    expect(eventTypesOf(undefined)).toEqual({ events: null });
    expect(eventTypesOf([])).toEqual({ problem: expect.any(String) });
    expect(eventTypesOf(['CLICKED', 'OPENED', 'CLICKED'])).toEqual({ events: ['OPENED', 'CLICKED'] });
  });
});
