import { decideCounted, type CountedEvent } from '../../src/events/dedupe';
import type { TrackingEventInput } from '../../src/events/event';

const ipA = 'aa'.repeat(16);
const ipB = 'bb'.repeat(16);
const t0 = Date.parse('2026-01-01T00:00:00Z');

function event(overrides: Partial<TrackingEventInput>): TrackingEventInput {
  return {
    orgId: 'o', sendId: 's1', kind: 'OPEN', source: 'PIXEL', occurredAt: new Date(t0), countable: true, bot: false, botReason: null, mpp: false,
    linkPosition: null, url: null, userAgent: null, ipHash: ipA, ...overrides,
  };
}

function stored(overrides: Partial<CountedEvent>): CountedEvent {
  return { sendId: 's1', kind: 'OPEN', source: 'PIXEL', occurredAt: t0, linkPosition: null, url: null, ipHash: ipA, ...overrides };
}

const at = (ms: number) => new Date(t0 + ms);

describe('decideCounted', () => {
  it('collapses same-client opens within 5 s, in time order whatever the input order', () => {
    const events = [event({ occurredAt: at(3000) }), event({ occurredAt: at(0) }), event({ occurredAt: at(9000) }), event({ occurredAt: at(5000) })];
    expect(decideCounted(events, [])).toEqual([false, true, true, false]);
  });

  it('counts again after 5 s have passed since the last counted open', () => {
    expect(decideCounted([event({ occurredAt: at(0) }), event({ occurredAt: at(5001) })], [])).toEqual([true, true]);
  });

  it('counts different clients, sends and kinds separately', () => {
    const events = [event({}), event({ ipHash: ipB }), event({ sendId: 's2' }), event({ kind: 'CLICK', linkPosition: 0 })];
    expect(decideCounted(events, [])).toEqual([true, true, true, true]);
  });

  it('collapses clicks per link', () => {
    const events = [event({ kind: 'CLICK', linkPosition: 0 }), event({ kind: 'CLICK', linkPosition: 1 }), event({ kind: 'CLICK', linkPosition: 0, occurredAt: at(100) })];
    expect(decideCounted(events, [])).toEqual([true, true, false]);
  });

  it('looks at counted events already stored, before or after', () => {
    expect(decideCounted([event({ occurredAt: at(4000) })], [stored({ occurredAt: t0 })])).toEqual([false]);
    expect(decideCounted([event({ occurredAt: at(0) })], [stored({ occurredAt: t0 + 2000 })])).toEqual([false]);
  });

  it('never counts bots', () => {
    expect(decideCounted([event({ countable: false, bot: true }), event({ occurredAt: at(1) })], [])).toEqual([false, true]);
  });

  it('collapses webhook events into counted events of either source within 10 minutes, any client', () => {
    const webhookOpen = event({ source: 'WEBHOOK', ipHash: ipB, occurredAt: at(9 * 60_000) });
    expect(decideCounted([webhookOpen], [stored({})])).toEqual([false]);
    expect(decideCounted([{ ...webhookOpen, occurredAt: at(10 * 60_000 + 1) }], [stored({})])).toEqual([true]);
    expect(decideCounted([event({ source: 'WEBHOOK' }), event({ source: 'WEBHOOK', occurredAt: at(60_000) })], [])).toEqual([true, false]);
  });

  it('matches webhook clicks by URL', () => {
    const clicks = [
      event({ source: 'WEBHOOK', kind: 'CLICK', url: 'https://a.example/' }),
      event({ source: 'WEBHOOK', kind: 'CLICK', url: 'https://b.example/' }),
    ];
    expect(decideCounted(clicks, [stored({ kind: 'CLICK', url: 'https://a.example/', linkPosition: 0, source: 'REDIRECT' })])).toEqual([false, true]);
  });

  it('does not apply the 10-minute rule to pixel events after a webhook event', () => {
    expect(decideCounted([event({ occurredAt: at(60_000) })], [stored({ source: 'WEBHOOK', ipHash: ipB })])).toEqual([true]);
  });
});
