import { EMPTY_SUMS, sumsFromRow, toEngagementStats } from '../../src/stats/engagement';

describe('toEngagementStats', () => {
  it('derives the rates from the counts', () => {
    const stats = toEngagementStats({ ...EMPTY_SUMS, sends: 8, untrackedSends: 5, opened: 4, clicked: 2, humanOpened: 3, opens: 10, mppOpens: 4 });
    expect(stats).toEqual(
      expect.objectContaining({ openRate: 0.5, clickRate: 0.25, humanOpenRate: 0.375, mppShare: 0.4, clickToOpenRate: 0.5, untrackedSends: 5 }),
    );
    expect(stats).not.toHaveProperty('humanOpened');
  });

  it('gives rates of 0 with no sends, no MPP share with no opens and no click-to-open rate with nothing opened', () => {
    expect(toEngagementStats(EMPTY_SUMS)).toEqual({
      sends: 0, untrackedSends: 0, opened: 0, clicked: 0, failed: 0, opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0,
      openRate: 0, clickRate: 0, humanOpenRate: 0, mppShare: null, clickToOpenRate: null, lastSentAt: null,
    });
    expect(toEngagementStats({ ...EMPTY_SUMS, sends: 3, failed: 3, botOpens: 2 })).toEqual(
      expect.objectContaining({ mppShare: null, clickToOpenRate: null, botOpens: 2 }),
    );
  });

  it('reads bigint sums as numbers and missing sums as 0', () => {
    const row = {
      sends: '12', untracked_sends: '4', failed: null, opened: '3', clicked: 1, human_opened: '2', opens: '7', clicks: '1', mpp_opens: '0',
      bot_opens: '9', bot_clicks: null, last_sent_at: null,
    };
    expect(sumsFromRow(row)).toEqual({ ...EMPTY_SUMS, sends: 12, untrackedSends: 4, opened: 3, clicked: 1, humanOpened: 2, opens: 7, clicks: 1, botOpens: 9 });
  });
});
