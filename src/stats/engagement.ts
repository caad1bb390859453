// The four cards and their rates from summed figures (contract section 5). Pure.

/** Figures summed over a set of sends: every one but untrackedSends and lastSentAt over the tracked sends only. */
export interface StatsSums {
  sends: number;
  untrackedSends: number;
  failed: number;
  /** sends with a counted open (MPP included) or a counted click */
  opened: number;
  clicked: number;
  /** sends with a counted open that was not Apple MPP's (opens > mpp_opens), or a counted click */
  humanOpened: number;
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
  /** the latest send, tracked or not: it orders the lists, which hold rows of untracked sends only too */
  lastSentAt: Date | null;
}

export interface EngagementStats extends Omit<StatsSums, 'humanOpened'> {
  openRate: number;
  clickRate: number;
  humanOpenRate: number;
  /** null when there are no opens */
  mppShare: number | null;
  /** null when nothing was opened */
  clickToOpenRate: number | null;
}

export const EMPTY_SUMS: StatsSums = {
  sends: 0, untrackedSends: 0, failed: 0, opened: 0, clicked: 0, humanOpened: 0, opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0,
  lastSentAt: null,
};

type Sum = string | number | null;

/** The aggregate columns every stats query returns (bigint sums arrive as strings). */
export interface SumsRow {
  sends: Sum;
  untracked_sends: Sum;
  failed: Sum;
  opened: Sum;
  clicked: Sum;
  human_opened: Sum;
  opens: Sum;
  clicks: Sum;
  mpp_opens: Sum;
  bot_opens: Sum;
  bot_clicks: Sum;
  last_sent_at: Date | null;
}

export function sumsFromRow(row: SumsRow): StatsSums {
  return {
    sends: Number(row.sends ?? 0),
    untrackedSends: Number(row.untracked_sends ?? 0),
    failed: Number(row.failed ?? 0),
    opened: Number(row.opened ?? 0),
    clicked: Number(row.clicked ?? 0),
    humanOpened: Number(row.human_opened ?? 0),
    opens: Number(row.opens ?? 0),
    clicks: Number(row.clicks ?? 0),
    mppOpens: Number(row.mpp_opens ?? 0),
    botOpens: Number(row.bot_opens ?? 0),
    botClicks: Number(row.bot_clicks ?? 0),
    lastSentAt: row.last_sent_at,
  };
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

// Spelled out rather than spread: a list of 200 campaigns builds 200 of these per request.
export function toEngagementStats(sums: StatsSums): EngagementStats {
  return {
    sends: sums.sends,
    untrackedSends: sums.untrackedSends,
    failed: sums.failed,
    opened: sums.opened,
    clicked: sums.clicked,
    opens: sums.opens,
    clicks: sums.clicks,
    mppOpens: sums.mppOpens,
    botOpens: sums.botOpens,
    botClicks: sums.botClicks,
    lastSentAt: sums.lastSentAt,
    openRate: rate(sums.opened, sums.sends),
    clickRate: rate(sums.clicked, sums.sends),
    humanOpenRate: rate(sums.humanOpened, sums.sends),
    mppShare: sums.opens === 0 ? null : sums.mppOpens / sums.opens,
    clickToOpenRate: sums.opened === 0 ? null : sums.clicked / sums.opened,
  };
}
