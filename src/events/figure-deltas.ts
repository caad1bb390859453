// The figures a batch moves, as deltas, one kind per table the writer applies
// them to: per send (its counters), per link (clicks, unique clickers), per
// send and 15-minute bucket (the timelines' activity), and per rollup group
// (the stats and the timelines' rollups). Pure: from the batch's changes (its
// new events, and the stored events it took back) and the locked sends as
// they were before it. Each kind is one function; a new kind of figure is
// one more function and one more field.
import type { ActivityStatsDelta } from '../rollups/activity-deltas';
import {
  addActivity, addCounterChange, bucketOf, isIdle, isZero, noActivity, noFigures, rollupKeyOf, rollupKeyText,
  type ActivityCounts, type RollupKey, type SendAttribution,
} from '../rollups/figures';
import type { SendStatsDelta } from '../rollups/stats-deltas';
import { earliest, latest, type FigureChange } from './figure-change';
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


function sendCounterDeltas(changes: readonly FigureChange[], machineSends: ReadonlySet<string>): SendCounterDelta[] {
  const deltas = new Map<string, SendCounterDelta>();
  const deltaOf = (sendId: string) => {
    let delta = deltas.get(sendId);
    if (!delta) {
      delta = {
        sendId, opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0, firstOpen: null, lastOpen: null, lastClick: null,
        lostFirstOpen: null, lostLastOpen: null, lostLastClick: null, machine: machineSends.has(sendId), webhook: false,
      };
      deltas.set(sendId, delta);
    }
    return delta;
  };
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
function addActivityOf(into: ActivityCounts, change: FigureChange): void {
  if (change.kind === 'OPEN') {
    into.opens += change.counted;
    if (change.mpp) into.mppOpens += change.counted;
    into.botOpens += change.bot;
  } else {
    into.clicks += change.counted;
    into.botClicks += change.bot;
  }
}

// The loops below run per event of every batch: maps nested by send and
// bucket rather than keyed by composed strings (hashed anew each time), and
// no allocation per event.

/** Per send and bucket; a delta may be negative (an event reclassified later, at its own time). */
export function sendActivityDeltas(changes: readonly FigureChange[]): SendActivityDelta[] {
  const bySend = new Map<string, Map<number, SendActivityDelta>>();
  const rows: SendActivityDelta[] = [];
  for (const change of changes) {
    const at = bucketOf(change.at);
    let buckets = bySend.get(change.sendId);
    if (!buckets) bySend.set(change.sendId, (buckets = new Map()));
    let row = buckets.get(at);
    if (!row) {
      buckets.set(at, (row = { sendId: change.sendId, at, ...noActivity() }));
      rows.push(row);
    }
    addActivityOf(row, change);
  }
  return rows.filter((row) => !isIdle(row));
}

/** Each send's rollup group, and its key as text, once per batch. */
function groupsOf(sends: ReadonlyMap<string, SendAttribution>): (sendId: string) => { key: RollupKey; text: string } | undefined {
  const known = new Map<string, { key: RollupKey; text: string }>();
  return (sendId) => {
    let group = known.get(sendId);
    if (!group) {
      const send = sends.get(sendId);
      if (!send) return undefined;
      const key = rollupKeyOf(send);
      known.set(sendId, (group = { key, text: rollupKeyText(key) }));
    }
    return group;
  };
}

/** The tracked sends' activity per rollup group and bucket. */
export function activityStatsDeltas(
  activity: readonly SendActivityDelta[],
  sends: ReadonlyMap<string, SendAttribution>,
  groupOf = groupsOf(sends),
): ActivityStatsDelta[] {
  const byGroup = new Map<string, Map<number, ActivityStatsDelta>>();
  const rows: ActivityStatsDelta[] = [];
  for (const row of activity) {
    if (!sends.get(row.sendId)?.tracked) continue;
    const { key, text } = groupOf(row.sendId)!;
    let buckets = byGroup.get(text);
    if (!buckets) byGroup.set(text, (buckets = new Map()));
    let group = buckets.get(row.at);
    if (!group) {
      buckets.set(row.at, (group = { ...key, at: row.at, ...noActivity() }));
      rows.push(group);
    }
    addActivity(group, row);
  }
  return rows;
}

/**
 * Per rollup group: each tracked send's figures after the batch minus before
 * (addCounterChange, figuresOf's difference when only counters move: the
 * writer changes no status, attribution or tracked flag). An untracked send
 * moves no figure.
 */
function sendStatsDeltas(
  counters: readonly SendCounterDelta[],
  sends: ReadonlyMap<string, SendBefore>,
  groupOf = groupsOf(sends),
): SendStatsDelta[] {
  const groups = new Map<string, SendStatsDelta>();
  for (const delta of counters) {
    const send = sends.get(delta.sendId);
    if (!send?.tracked) continue;
    const { key, text } = groupOf(delta.sendId)!;
    let group = groups.get(text);
    if (!group) groups.set(text, (group = { ...key, ...noFigures(), lastSentAt: null }));
    addCounterChange(group, send, delta);
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
  const groupOf = groupsOf(sends);
  return {
    sends: counters,
    links: linkCounterDeltas(changes, clicked, lost),
    activity,
    sendStats: sendStatsDeltas(counters, sends, groupOf),
    activityStats: activityStatsDeltas(activity, sends, groupOf),
  };
}
