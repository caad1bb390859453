// The Live panel's list model: newest first by the events' own time, each
// event once, a RECLASSIFIED event changing its row, machines behind the
// toggle, and a bound however many events arrive.
import { ago, createFeed, FEED_LIMIT, isMachineOrMpp } from '../../src/pages/live-feed.js';

const T0 = Date.parse('2025-06-01T12:00:00Z');

function event(id: string, secondsAfter: number, overrides: Record<string, unknown> = {}) {
  return {
    id,
    type: 'OPENED',
    occurredAt: new Date(T0 + secondsAfter * 1000).toISOString(),
    sendId: 's1',
    campaignId: null,
    templateId: null,
    contactId: 'c1',
    email: 'ada@example.com',
    subject: 'Hi',
    source: 'PIXEL',
    counted: true,
    bot: false,
    botReason: null,
    mpp: false,
    url: null,
    ...overrides,
  };
}

const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

describe('the live feed', () => {
  it('lists events newest first by their own time, whatever order they arrive in, each once', () => {
    const feed = createFeed();
    feed.add([event('b', 2), event('a', 1)]);
    feed.add([event('d', 4)]);
    // A catch-up read after a reconnection repeats some and fills a gap.
    feed.add([event('d', 4), event('c', 3), event('b', 2)]);
    expect(ids(feed.rows(true, 10))).toEqual(['d', 'c', 'b', 'a']);
    expect(feed.size).toBe(4);
  });

  it('keeps machine, MPP and uncounted events behind the toggle', () => {
    const feed = createFeed();
    feed.add([
      event('person', 1),
      event('mpp', 2, { mpp: true }),
      event('bot', 3, { counted: false, bot: true, botReason: 'USER_AGENT' }),
      event('repeat', 4, { counted: false }),
    ]);
    expect(ids(feed.rows(false, 10))).toEqual(['person']);
    expect(ids(feed.rows(true, 10))).toEqual(['repeat', 'bot', 'mpp', 'person']);
    expect(feed.hiddenCount()).toBe(3);
  });

  it('moves a reclassified click behind the toggle, in its place, and a stale copy cannot bring it back', () => {
    const feed = createFeed();
    feed.add([event('click', 1, { type: 'CLICKED', url: 'https://example.com/a' }), event('open', 2)]);
    feed.add([event('click', 1, { type: 'RECLASSIFIED', url: 'https://example.com/a', counted: false, bot: true, botReason: 'BURST' })]);
    expect(ids(feed.rows(false, 10))).toEqual(['open']);
    const [, click] = feed.rows(true, 10);
    expect(click).toEqual(expect.objectContaining({ id: 'click', kind: 'CLICKED', reclassified: true, bot: true, botReason: 'BURST', version: 1 }));
    feed.add([event('click', 1, { type: 'CLICKED', url: 'https://example.com/a' })]);
    expect(isMachineOrMpp(feed.rows(true, 10)[1])).toBe(true);
  });

  it('shows a reclassification of an event it never had as that event, behind the toggle', () => {
    const feed = createFeed();
    feed.add([event('old', 1, { type: 'RECLASSIFIED', url: 'https://example.com/x', counted: false, bot: true, botReason: 'TRAP' })]);
    expect(feed.rows(false, 10)).toEqual([]);
    expect(feed.rows(true, 10)).toEqual([expect.objectContaining({ id: 'old', kind: 'CLICKED', reclassified: true })]);
  });

  it('stays bounded under a flood, keeping the newest', () => {
    const feed = createFeed();
    for (let second = 0; second < 100; second++) {
      feed.add(Array.from({ length: 1000 }, (_, n) => event(`${second}-${n}`, second + n / 1000)));
    }
    expect(feed.size).toBe(FEED_LIMIT);
    expect(feed.rows(false, 3).map((row) => row.id)).toEqual(['99-999', '99-998', '99-997']);
    expect(feed.rows(false, 50)).toHaveLength(50);
  });

  it('says how long ago, in the units a person reads', () => {
    expect([0, 12_400, 59_000, 60_000, 3_599_000, 3_600_000, 86_400_000 * 2].map((ms) => ago(T0, T0 + ms))).toEqual([
      '0 s ago',
      '12 s ago',
      '59 s ago',
      '1 min ago',
      '59 min ago',
      '1 h ago',
      '2 d ago',
    ]);
    expect(ago(T0 + 5_000, T0)).toBe('0 s ago');
  });
});
