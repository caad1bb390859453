// The per-send client counters a written batch moves: new counted events add
// to their client, a reclassified event takes back from the client it was
// credited to, machines' events move nothing, and nothing that sums to zero
// is written.
import type { ClientKey } from '../../src/breakdowns/client-keys';
import { clientDeltas, type ClientChange } from '../../src/breakdowns/client-deltas';

const APPLE_MAIL: ClientKey = { client: 'APPLE_MAIL', device: 'MOBILE' };
const MPP: ClientKey = { client: 'APPLE_MPP', device: 'PROXY' };
const CHROME: ClientKey = { client: 'WEBMAIL_BROWSER', device: 'DESKTOP' };

const change = (sendId: string, kind: 'OPEN' | 'CLICK', counted: -1 | 0 | 1, client: ClientKey | null, mpp = false): ClientChange => ({
  orgId: 'org',
  sendId,
  kind,
  mpp,
  counted,
  client,
});

describe('clientDeltas', () => {
  it('adds counted opens, clicks and MPP opens per send and client', () => {
    expect(
      clientDeltas([
        change('s1', 'OPEN', 1, APPLE_MAIL),
        change('s1', 'OPEN', 1, APPLE_MAIL),
        change('s1', 'CLICK', 1, APPLE_MAIL),
        change('s1', 'OPEN', 1, MPP, true),
        change('s2', 'CLICK', 1, CHROME),
      ]),
    ).toEqual([
      { orgId: 'org', sendId: 's1', client: 'APPLE_MAIL', device: 'MOBILE', opens: 2, clicks: 1, mppOpens: 0 },
      { orgId: 'org', sendId: 's1', client: 'APPLE_MPP', device: 'PROXY', opens: 1, clicks: 0, mppOpens: 1 },
      { orgId: 'org', sendId: 's2', client: 'WEBMAIL_BROWSER', device: 'DESKTOP', opens: 0, clicks: 1, mppOpens: 0 },
    ]);
  });

  it("takes a reclassified event back from the client it was credited to, not from the batch's", () => {
    // A scanner's burst flips a click counted earlier from Chrome; the burst's own events are machines' (0).
    expect(clientDeltas([change('s1', 'CLICK', -1, CHROME), change('s1', 'CLICK', 0, APPLE_MAIL), change('s1', 'OPEN', 0, APPLE_MAIL)])).toEqual([
      { orgId: 'org', sendId: 's1', client: 'WEBMAIL_BROWSER', device: 'DESKTOP', opens: 0, clicks: -1, mppOpens: 0 },
    ]);
  });

  it('drops what sums to nothing, and takes nothing back for an event stored before clients were parsed (no row was credited)', () => {
    expect(clientDeltas([change('s1', 'OPEN', 1, CHROME), change('s1', 'OPEN', -1, CHROME)])).toEqual([]);
    expect(clientDeltas([change('s1', 'OPEN', -1, null), change('s1', 'CLICK', 1, CHROME)])).toEqual([
      { orgId: 'org', sendId: 's1', client: 'WEBMAIL_BROWSER', device: 'DESKTOP', opens: 0, clicks: 1, mppOpens: 0 },
    ]);
  });

  it('orders the rows by key, the order the upsert locks them in', () => {
    const rows = clientDeltas([
      { ...change('b', 'OPEN', 1, CHROME), orgId: 'org-2' },
      change('b', 'OPEN', 1, MPP, true),
      change('a', 'OPEN', 1, MPP, true),
      change('a', 'OPEN', 1, APPLE_MAIL),
    ]);
    expect(rows.map((row) => [row.orgId, row.sendId, row.client])).toEqual([
      ['org', 'a', 'APPLE_MAIL'],
      ['org', 'a', 'APPLE_MPP'],
      ['org', 'b', 'APPLE_MPP'],
      ['org-2', 'b', 'WEBMAIL_BROWSER'],
    ]);
  });
});
