// The writer's delta step (src/events/figure-deltas.ts, link-deltas.ts): what
// a batch's changes move, per send, link, bucket and rollup group, from the
// locked sends as they were before it. Pure: no database.
import type { FigureChange } from '../../src/events/figure-change';
import { figureDeltas, type SendBefore } from '../../src/events/figure-deltas';
import { linkStatsDeltas } from '../../src/events/link-deltas';
import { figuresOf, monthOf, noFigures, rollupKeyOf } from '../../src/rollups/figures';

const t0 = Date.parse('2026-03-10T09:00:00Z');
const SENT = Date.parse('2026-03-09T23:30:00Z');

const before = (overrides: Partial<SendBefore> = {}): SendBefore => ({
  sentAt: SENT, senderId: 'u1', campaignId: 'c1', templateId: null, tracked: true, opens: 0, clicks: 0, mppOpens: 0, ...overrides,
});

function change(overrides: Partial<FigureChange>): FigureChange {
  return { sendId: 's1', kind: 'OPEN', at: t0, mpp: false, counted: 1, bot: 0, linkPosition: null, url: null, ipHash: 'aa', webhook: false, ...overrides };
}

const deltas = (changes: FigureChange[], sends: Record<string, SendBefore>, clicked: string[] = [], lost: string[] = []) =>
  figureDeltas(changes, new Map(Object.entries(sends)), new Set(), new Set(clicked), new Set(lost));

describe('per rollup group', () => {
  it('turns a first counted open into opened and human_opened, in the send day of its group', () => {
    const { sendStats } = deltas([change({})], { s1: before() });
    expect(sendStats).toEqual([{ ...rollupKeyOf(before()), ...noFigures(), opened: 1, humanOpened: 1, opens: 1, lastSentAt: null }]);
    expect(sendStats[0].day).toBe(Math.floor(SENT / 86_400_000));
    expect(sendStats[0].campaignKey).toBe('c1');
    expect(sendStats[0].templateKey).toBe('');
  });

  it('moves no opened for a send opened before, and human_opened only when the opens outnumber the MPP opens', () => {
    const { sendStats } = deltas([change({ mpp: true })], { s1: before({ opens: 1, mppOpens: 1 }) });
    expect(sendStats).toEqual([{ ...rollupKeyOf(before()), ...noFigures(), opens: 1, mppOpens: 1, lastSentAt: null }]);
    const person = deltas([change({})], { s1: before({ opens: 1, mppOpens: 1 }) }).sendStats[0];
    expect(person).toEqual(expect.objectContaining({ opened: 0, humanOpened: 1, opens: 1, mppOpens: 0 }));
  });

  it('takes opened back when its only counted open turns out a machine\'s, and counts the bot open', () => {
    const { sendStats, sends } = deltas([change({ counted: -1, bot: 1 })], { s1: before({ opens: 1 }) });
    expect(sendStats).toEqual([{ ...rollupKeyOf(before()), ...noFigures(), opened: -1, humanOpened: -1, opens: -1, botOpens: 1, lastSentAt: null }]);
    expect(sends).toEqual([expect.objectContaining({ opens: -1, botOpens: 1, lostFirstOpen: t0, lostLastOpen: t0, firstOpen: null })]);
  });

  it('counts a click as opened, and leaves an untracked send out of every figure', () => {
    const clicks = deltas([change({ kind: 'CLICK', linkPosition: 0, url: 'https://a/' })], { s1: before() });
    expect(clicks.sendStats[0]).toEqual(expect.objectContaining({ opened: 1, clicked: 1, humanOpened: 1, clicks: 1 }));
    const untracked = deltas([change({}), change({ kind: 'CLICK', linkPosition: 0 })], { s1: before({ tracked: false }) });
    expect(untracked.sendStats).toEqual([]);
    expect(untracked.activityStats).toEqual([]);
    expect(untracked.sends[0]).toEqual(expect.objectContaining({ opens: 1, clicks: 1 }));
  });

  it('adds up sends of one group and keeps groups apart', () => {
    const { sendStats } = deltas([change({}), change({ sendId: 's2' }), change({ sendId: 's3' })], {
      s1: before(), s2: before({ sentAt: SENT + 1000 }), s3: before({ senderId: 'u2' }),
    });
    expect(sendStats.map((group) => [group.senderId, group.opened])).toEqual([['u1', 2], ['u2', 1]]);
  });

  it('moves each figure by figuresOf after minus before, for every small state and change', () => {
    for (const opens of [0, 1, 2]) {
      for (const clicks of [0, 1]) {
        for (const mppOpens of [0, Math.min(1, opens)]) {
          const send = before({ opens, clicks, mppOpens });
          for (const c of [change({}), change({ mpp: true }), change({ kind: 'CLICK', linkPosition: 0 }), change({ counted: -1, bot: 1, mpp: mppOpens > 0 })]) {
            if (c.counted === -1 && opens === 0) continue;
            const [group] = deltas([c], { s1: send }).sendStats;
            const open = c.kind === 'OPEN';
            const after = figuresOf({
              tracked: true, failed: false, opens: opens + (open ? c.counted : 0), clicks: clicks + (open ? 0 : c.counted),
              mppOpens: mppOpens + (open && c.mpp ? c.counted : 0), botOpens: open ? c.bot : 0, botClicks: open ? 0 : c.bot,
            });
            const was = figuresOf({ tracked: true, failed: false, opens, clicks, mppOpens, botOpens: 0, botClicks: 0 });
            for (const figure of Object.keys(after) as (keyof typeof after)[]) expect([figure, group?.[figure] ?? 0]).toEqual([figure, after[figure] - was[figure]]);
          }
        }
      }
    }
  });
});

describe('per send and bucket', () => {
  it('sums a send\'s changes per 15-minute bucket of their own time, a take-back negative at its own time', () => {
    const { activity, activityStats } = deltas(
      [change({ at: t0 + 60_000 }), change({ at: t0 + 14 * 60_000, mpp: true }), change({ at: t0 + 15 * 60_000, kind: 'CLICK', linkPosition: 0 }),
        change({ at: t0 + 2 * 60_000, kind: 'CLICK', linkPosition: 0, counted: -1, bot: 1 })],
      { s1: before() },
    );
    expect(activity).toEqual([
      { sendId: 's1', at: t0, opens: 2, clicks: -1, mppOpens: 1, botOpens: 0, botClicks: 1 },
      { sendId: 's1', at: t0 + 15 * 60_000, opens: 0, clicks: 1, mppOpens: 0, botOpens: 0, botClicks: 0 },
    ]);
    expect(activityStats.map((group) => [group.at, group.opens, group.clicks])).toEqual([[t0, 2, -1], [t0 + 15 * 60_000, 0, 1]]);
  });
});

describe('per link', () => {
  it('counts a clicker once, a known one not again, and drops one whose every click went', () => {
    const click = (ipHash: string, counted: -1 | 1 = 1) => change({ kind: 'CLICK', linkPosition: 0, url: 'https://a/', ipHash, counted, bot: counted === 1 ? 0 : 1 });
    const { links } = deltas([click('new'), click('new'), click('known'), click('leaving', -1)], { s1: before({ clicks: 2 }) }, ['s1 0 known', 's1 0 leaving'], ['s1 0 leaving']);
    expect(links).toEqual([{ sendId: 's1', position: 0, clicks: 2, clickers: 0, first: t0, last: t0 }]);
  });

  it('counts a send in a link key\'s "clicked" once however many of its positions carry the key, and takes it back with its last click', () => {
    const sends = new Map([['s1', before()], ['s2', before()]]);
    const links = [
      { sendId: 's1', position: 0, clicks: 1, clickers: 1, first: t0, last: t0 },
      { sendId: 's1', position: 2, clicks: 1, clickers: 1, first: t0, last: t0 },
      { sendId: 's2', position: 0, clicks: -1, clickers: -1, first: null, last: null },
    ];
    const clicked = [
      // One data-track-name over two personalised URLs: the key is the name.
      { sendId: 's1', position: 0, linkKey: 'cta', keyClicksBefore: 0 },
      { sendId: 's1', position: 2, linkKey: 'cta', keyClicksBefore: 0 },
      { sendId: 's2', position: 0, linkKey: 'cta', keyClicksBefore: 1 },
    ];
    expect(linkStatsDeltas(links, clicked, sends)).toEqual([
      { month: monthOf(SENT), campaignKey: 'c1', templateKey: '', linkKey: 'cta', positions: 0, clicks: 1, clicked: 0 },
    ]);
    expect(linkStatsDeltas(links.slice(0, 2), clicked.slice(0, 2), sends)).toEqual([expect.objectContaining({ clicks: 2, clicked: 1 })]);
  });
});
