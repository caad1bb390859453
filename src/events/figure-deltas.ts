// The figures a batch moves, as deltas, one kind per table the writer applies
// them to: per send (its counters), per link (clicks, unique clickers), per
// send and 15-minute bucket (the timelines' activity), and per rollup group
// (the stats and the timelines' rollups). Pure: from the batch's changes (its
// new events, and the stored events it took back) and the locked sends as
// they were before it. Each kind is one function; a new kind of figure is
// one more function and one more field.
import type { ActivityStatsDelta } from '../rollups/activity-deltas';
import {
  addActivity, addDifference, bucketOf, figuresOf, isIdle, isZero, noActivity, noFigures, rollupKeyOf, rollupKeyText,
  type ActivityCounts, type SendAttribution,
} from '../rollups/figures';
import type { SendStatsDelta } from '../rollups/stats-deltas';
import { earliest, entry, latest, type FigureChange } from './figure-change';
import { linkCounterDeltas, type LinkCounterDelta } from './link-deltas';

/** A locked send: its attribution and its counters before the batch. */
export interface SendBefore extends SendAttribution {
  opens: number;
  clicks: number;
  mppOpens: number;
}

export interface SendCounterDelta {
  sendId: string;
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
  /** the earliest and latest counted times gained */
  firstOpen: number | null;
  lastOpen: number | null;
  lastClick: number | null;
  /** the earliest and latest counted times taken back: where a first or last time may have to be looked up again */
  lostFirstOpen: number | null;
  lostLastOpen: number | null;
  lostLastClick: number | null;
  /** a machine window was found for one of its clients */
  machine: boolean;
  webhook: boolean;
}

/** One send's activity in one bucket (`at`: the bucket's start). */
export interface SendActivityDelta extends ActivityCounts {
  sendId: string;
  at: number;
}

export interface FigureDeltas {
  sends: SendCounterDelta[];
  links: LinkCounterDelta[];
  activity: SendActivityDelta[];
  sendStats: SendStatsDelta[];
  activityStats: ActivityStatsDelta[];
}


export function sendCounterDeltas(changes: readonly FigureChange[], machineSends: ReadonlySet<string>): SendCounterDelta[] {
  const deltas = new Map<string, SendCounterDelta>();
  const deltaOf = (sendId: string) =>
    entry(deltas, sendId, () => ({
      sendId, opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0, firstOpen: null, lastOpen: null, lastClick: null,
      lostFirstOpen: null, lostLastOpen: null, lostLastClick: null, machine: machineSends.has(sendId), webhook: false,
    }));
  for (const change of changes) {
    const delta = deltaOf(change.sendId);
    if (change.webhook) delta.webhook = true;
    const open = change.kind === 'OPEN';
    if (open) {
      delta.opens += change.counted;
      if (change.mpp) delta.mppOpens += change.counted;
      delta.botOpens += change.bot;
    } else {
      delta.clicks += change.counted;
      delta.botClicks += change.bot;
    }
    if (change.counted === 1 && open) {
      delta.firstOpen = earliest(delta.firstOpen, change.at);
      delta.lastOpen = latest(delta.lastOpen, change.at);
    } else if (change.counted === 1) delta.lastClick = latest(delta.lastClick, change.at);
    else if (change.counted === -1 && open) {
      delta.lostFirstOpen = earliest(delta.lostFirstOpen, change.at);
      delta.lostLastOpen = latest(delta.lostLastOpen, change.at);
    } else if (change.counted === -1) delta.lostLastClick = latest(delta.lostLastClick, change.at);
  }
  for (const sendId of machineSends) deltaOf(sendId);
  return [...deltas.values()];
}

/** A change as the timelines keep it: at the event's own time. */
function activityOf(change: FigureChange): ActivityCounts {
  const open = change.kind === 'OPEN';
  return {
    opens: open ? change.counted : 0,
    clicks: open ? 0 : change.counted,
    mppOpens: open && change.mpp ? change.counted : 0,
    botOpens: open ? change.bot : 0,
    botClicks: open ? 0 : change.bot,
  };
}

/** Per send and bucket; a delta may be negative (an event reclassified later, at its own time). */
export function sendActivityDeltas(changes: readonly FigureChange[]): SendActivityDelta[] {
  const rows = new Map<string, SendActivityDelta>();
  for (const change of changes) {
    const at = bucketOf(change.at);
    addActivity(entry(rows, `${change.sendId} ${at}`, () => ({ sendId: change.sendId, at, ...noActivity() })), activityOf(change));
  }
  return [...rows.values()].filter((row) => !isIdle(row));
}

/** The tracked sends' activity per rollup group and bucket. */
export function activityStatsDeltas(activity: readonly SendActivityDelta[], sends: ReadonlyMap<string, SendAttribution>): ActivityStatsDelta[] {
  const groups = new Map<string, ActivityStatsDelta>();
  for (const row of activity) {
    const send = sends.get(row.sendId);
    if (!send?.tracked) continue;
    const key = rollupKeyOf(send);
    addActivity(entry(groups, `${rollupKeyText(key)}\u0000${row.at}`, () => ({ ...key, at: row.at, ...noActivity() })), row);
  }
  return [...groups.values()];
}

/** Per rollup group: each send's figures after the batch minus before (its status and attribution do not change here). */
export function sendStatsDeltas(counters: readonly SendCounterDelta[], sends: ReadonlyMap<string, SendBefore>): SendStatsDelta[] {
  const groups = new Map<string, SendStatsDelta>();
  for (const delta of counters) {
    const send = sends.get(delta.sendId);
    if (!send) continue;
    const before = { tracked: send.tracked, failed: false, opens: send.opens, clicks: send.clicks, mppOpens: send.mppOpens, botOpens: 0, botClicks: 0 };
    const after = {
      ...before, opens: send.opens + delta.opens, clicks: send.clicks + delta.clicks, mppOpens: send.mppOpens + delta.mppOpens,
      botOpens: delta.botOpens, botClicks: delta.botClicks,
    };
    const key = rollupKeyOf(send);
    addDifference(entry(groups, rollupKeyText(key), () => ({ ...key, ...noFigures(), lastSentAt: null })), figuresOf(after), figuresOf(before));
  }
  return [...groups.values()].filter((group) => !isZero(group));
}

/** Every kind of delta of a batch. */
export function figureDeltas(
  changes: readonly FigureChange[],
  sends: ReadonlyMap<string, SendBefore>,
  machineSends: ReadonlySet<string>,
  clicked: ReadonlySet<string>,
  lost: ReadonlySet<string>,
): FigureDeltas {
  const counters = sendCounterDeltas(changes, machineSends);
  const activity = sendActivityDeltas(changes);
  return {
    sends: counters,
    links: linkCounterDeltas(changes, clicked, lost),
    activity,
    sendStats: sendStatsDeltas(counters, sends),
    activityStats: activityStatsDeltas(activity, sends),
  };
}
