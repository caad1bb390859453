import { EMPTY_SUMS, sumsFromRow, toEngagementStats } from '../../src/stats/engagement';

describe('toEngagementStats', () => {
  it('derives the rates from the counts', () => {
    const stats = toEngagementStats({ ...EMPTY_SUMS, sends: 8, opened: 4, clicked: 2, humanOpened: 3, opens: 10, mppOpens: 4 });
    expect(stats).toEqual(expect.objectContaining({ openRate: 0.5, clickRate: 0.25, humanOpenRate: 0.375, mppShare: 0.4 }));
    expect(stats).not.toHaveProperty('humanOpened');
  });

  it('gives rates of 0 with no sends, and no MPP share with no opens', () => {
    expect(toEngagementStats(EMPTY_SUMS)).toEqual({
      sends: 0, opened: 0, clicked: 0, failed: 0, opens: 0, clicks: 0, mppOpens: 0,
      openRate: 0, clickRate: 0, humanOpenRate: 0, mppShare: null, lastSentAt: null,
    });
    expect(toEngagementStats({ ...EMPTY_SUMS, sends: 3, failed: 3 }).mppShare).toBeNull();
  });

  it('reads bigint sums as numbers and missing sums as 0', () => {
    const row = { sends: '12', failed: null, opened: '3', clicked: 1, human_opened: '2', opens: '7', clicks: '1', mpp_opens: '0', last_sent_at: null };
    expect(sumsFromRow(row)).toEqual({ ...EMPTY_SUMS, sends: 12, opened: 3, clicked: 1, humanOpened: 2, opens: 7, clicks: 1 });
  });
});
