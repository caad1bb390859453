// What one send adds to the stats rollups (docs/counting.md, "Figures"), the
// activity counts the timelines keep, and the keys the rollups group sends
// by. Pure: the writers compute their deltas with it (a send's figures after
// a change minus before); its SQL twin in contributions.ts sums existing rows
// the same way.

export const SEND_FIGURES = ['sends', 'untrackedSends', 'failed', 'opened', 'clicked', 'humanOpened', 'opens', 'clicks', 'mppOpens', 'botOpens', 'botClicks'] as const;
export type SendFigure = (typeof SEND_FIGURES)[number];
export type SendFigures = Record<SendFigure, number>;
/** The same figures as columns of the delta and rollup tables, in the same order. */
export const SEND_FIGURE_COLUMNS = SEND_FIGURES.map((figure) => figure.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`));

/** A send's state as far as the figures go. */
export interface SendCounts {
  tracked: boolean;
  failed: boolean;
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
}

/** Where a send's figures are summed: its attribution, fixed when it was recorded. */
export interface SendAttribution {
  /** epoch milliseconds */
  sentAt: number;
  senderId: string;
  campaignId: string | null;
  templateId: string | null;
  tracked: boolean;
}

/** A rollup group: the send's UTC day (days since 1970-01-01), sender, campaign and template ('' for none). */
export interface RollupKey {
  day: number;
  senderId: string;
  campaignKey: string;
  templateKey: string;
}

export const DAY_MS = 86_400_000;

export const rollupKeyOf = (send: SendAttribution): RollupKey => ({
  day: Math.floor(send.sentAt / DAY_MS),
  senderId: send.senderId,
  campaignKey: send.campaignId ?? '',
  templateKey: send.templateId ?? '',
});

/** The UTC month of a send, as the day number of its first day: what the link rollups group by. */
export function monthOf(sentAt: number): number {
  const date = new Date(sentAt);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / DAY_MS;
}

export const rollupKeyText = (key: RollupKey) => `${key.day}\u0000${key.senderId}\u0000${key.campaignKey}\u0000${key.templateKey}`;

/** Every figure counts tracked sends only, but for untrackedSends. */
export function figuresOf(send: SendCounts): SendFigures {
  const tracked = send.tracked ? 1 : 0;
  return {
    sends: tracked,
    untrackedSends: 1 - tracked,
    failed: tracked && send.failed ? 1 : 0,
    opened: tracked && (send.opens > 0 || send.clicks > 0) ? 1 : 0,
    clicked: tracked && send.clicks > 0 ? 1 : 0,
    humanOpened: tracked && (send.opens > send.mppOpens || send.clicks > 0) ? 1 : 0,
    opens: tracked * send.opens,
    clicks: tracked * send.clicks,
    mppOpens: tracked * send.mppOpens,
    botOpens: tracked * send.botOpens,
    botClicks: tracked * send.botClicks,
  };
}

export const noFigures = (): SendFigures => ({
  sends: 0, untrackedSends: 0, failed: 0, opened: 0, clicked: 0, humanOpened: 0, opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0,
});

/** The counters a writer moves on a send, and what they were before. */
export interface CounterChange {
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
}

/**
 * into += figuresOf(after) - figuresOf(before) for a tracked send whose
 * counters alone move (`before`: its opens, clicks and MPP opens), written
 * out because the event writer runs it for every send of every batch; a unit
 * test holds it to figuresOf.
 */
export function addCounterChange(into: SendFigures, before: Pick<SendCounts, 'opens' | 'clicks' | 'mppOpens'>, change: CounterChange): void {
  const opens = before.opens + change.opens;
  const clicks = before.clicks + change.clicks;
  const mppOpens = before.mppOpens + change.mppOpens;
  into.opened += Number(opens > 0 || clicks > 0) - Number(before.opens > 0 || before.clicks > 0);
  into.clicked += Number(clicks > 0) - Number(before.clicks > 0);
  into.humanOpened += Number(opens > mppOpens || clicks > 0) - Number(before.opens > before.mppOpens || before.clicks > 0);
  into.opens += change.opens;
  into.clicks += change.clicks;
  into.mppOpens += change.mppOpens;
  into.botOpens += change.botOpens;
  into.botClicks += change.botClicks;
}

export const isZero = (figures: SendFigures) => SEND_FIGURES.every((figure) => figures[figure] === 0);

/** Counted opens, clicks and MPP opens and machine opens and clicks, by event time. */
export interface ActivityCounts {
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
}

/** Every time zone's offset and clock change is a multiple of 15 minutes: local hours and days are whole buckets. */
const ACTIVITY_BUCKET_MS = 15 * 60_000;

export const bucketOf = (at: number) => Math.floor(at / ACTIVITY_BUCKET_MS) * ACTIVITY_BUCKET_MS;

export const noActivity = (): ActivityCounts => ({ opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0 });
export const isIdle = (counts: ActivityCounts) => !counts.opens && !counts.clicks && !counts.mppOpens && !counts.botOpens && !counts.botClicks;

export function addActivity(into: ActivityCounts, delta: ActivityCounts): void {
  into.opens += delta.opens;
  into.clicks += delta.clicks;
  into.mppOpens += delta.mppOpens;
  into.botOpens += delta.botOpens;
  into.botClicks += delta.botClicks;
}
