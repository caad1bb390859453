// How a recorder batch becomes writer transactions (src/events/write-lanes.ts):
// one organisation each, a large organisation split by send over the lanes,
// the events of one send together and in order.
import type { PendingEvent } from '../../src/events/event';
import { cutPerOrganisation } from '../../src/events/write-lanes';

const event = (orgId: string, sendId: string, at: number): PendingEvent => ({
  orgId, sendId, kind: 'OPEN', source: 'PIXEL', countable: true, bot: false, botReason: null, mpp: false, linkPosition: null, url: null,
  userAgent: null, at, ipHashHex: null,
});

const sendIds = Array.from({ length: 40 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);

describe('cutPerOrganisation', () => {
  it('gives each organisation its own transactions, in the order each first appears', () => {
    const batch = [event('b', sendIds[0], 1), event('a', sendIds[1], 2), event('b', sendIds[2], 3), event('c', sendIds[3], 4)];
    const cut = cutPerOrganisation(batch, 2, 100);
    expect(cut.map((part) => [...new Set(part.map((e) => e.orgId))])).toEqual([['b'], ['a'], ['c']]);
    expect(cut.flat()).toHaveLength(batch.length);
  });

  it('splits an organisation with more than a lane\'s events by send, at most one part per lane, each send whole and in order', () => {
    const batch = Array.from({ length: 400 }, (_, index) => event('big', sendIds[index % sendIds.length], index));
    const cut = cutPerOrganisation(batch, 2, 100);
    expect(cut).toHaveLength(2);
    const partOf = new Map<string, number>();
    cut.forEach((part, index) => {
      for (const e of part) {
        expect(partOf.get(e.sendId) ?? index).toBe(index);
        partOf.set(e.sendId, index);
      }
      expect(part.map((e) => e.at)).toEqual([...part.map((e) => e.at)].sort((x, y) => x - y));
    });
    expect(cut.flat()).toHaveLength(400);
  });

  it('keeps an organisation within a lane\'s size whole, and everything whole with one lane', () => {
    const batch = Array.from({ length: 100 }, (_, index) => event('small', sendIds[index % sendIds.length], index));
    expect(cutPerOrganisation(batch, 2, 100)).toEqual([batch]);
    expect(cutPerOrganisation([...batch, ...batch], 1, 100)).toHaveLength(1);
  });
});
