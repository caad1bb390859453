// The four cards and their rates from summed figures (contract section 5). Pure.

/** Figures summed over a set of sends. */
export interface StatsSums {
  sends: number;
  failed: number;
  opened: number;
  clicked: number;
  /** sends with a counted open that was not Apple MPP's (opens > mpp_opens) */
  humanOpened: number;
  opens: number;
  clicks: number;
  mppOpens: number;
  lastSentAt: Date | null;
}

export interface EngagementStats extends Omit<StatsSums, 'humanOpened'> {
  openRate: number;
  clickRate: number;
  humanOpenRate: number;
  /** null when there are no opens */
  mppShare: number | null;
}

export const EMPTY_SUMS: StatsSums = {
  sends: 0, failed: 0, opened: 0, clicked: 0, humanOpened: 0, opens: 0, clicks: 0, mppOpens: 0, lastSentAt: null,
};

/** The aggregate columns every stats query returns (bigint sums arrive as strings). */
export interface SumsRow {
  sends: string | number | null;
  failed: string | number | null;
  opened: string | number | null;
  clicked: string | number | null;
  human_opened: string | number | null;
  opens: string | number | null;
  clicks: string | number | null;
  mpp_opens: string | number | null;
  last_sent_at: Date | null;
}

export function sumsFromRow(row: SumsRow): StatsSums {
  return {
    sends: Number(row.sends ?? 0),
    failed: Number(row.failed ?? 0),
    opened: Number(row.opened ?? 0),
    clicked: Number(row.clicked ?? 0),
    humanOpened: Number(row.human_opened ?? 0),
    opens: Number(row.opens ?? 0),
    clicks: Number(row.clicks ?? 0),
    mppOpens: Number(row.mpp_opens ?? 0),
    lastSentAt: row.last_sent_at,
  };
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

// Spelled out rather than spread: a list of 200 campaigns builds 200 of these per request.
export function toEngagementStats(sums: StatsSums): EngagementStats {
  return {
    sends: sums.sends,
    failed: sums.failed,
    opened: sums.opened,
    clicked: sums.clicked,
    opens: sums.opens,
    clicks: sums.clicks,
    mppOpens: sums.mppOpens,
    lastSentAt: sums.lastSentAt,
    openRate: rate(sums.opened, sums.sends),
    clickRate: rate(sums.clicked, sums.sends),
    humanOpenRate: rate(sums.humanOpened, sums.sends),
    mppShare: sums.opens === 0 ? null : sums.mppOpens / sums.opens,
  };
}
