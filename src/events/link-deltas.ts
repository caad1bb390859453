// The link figures a batch moves. Pure, like figure-deltas.ts: per link
// (clicks, unique clickers), then, once the links' UPDATE has said how often
// each send's links under a key were clicked before it, per link rollup group
// (the organisation's figures by month, campaign, template and link key: its
// data-track-name, or its URL).
import { monthOf, type SendAttribution } from '../rollups/figures';
import type { LinkStatsDelta } from '../rollups/link-stats-deltas';
import { earliest, entry, latest, type FigureChange } from './figure-change';

export interface LinkCounterDelta {
  sendId: string;
  position: number;
  clicks: number;
  /** unique clickers gained (or lost, negative) */
  clickers: number;
  first: number | null;
  last: number | null;
}

/** A link the batch clicked, as its UPDATE returned it. */
export interface ClickedLink {
  sendId: string;
  position: number;
  /** send_links.link_key: its data-track-name, or its URL */
  linkKey: string;
  /** the counted clicks of the send's links under this key before the batch */
  keyClicksBefore: number;
}

export const clickerKey = (sendId: string, position: number, ipHash: string) => `${sendId} ${position} ${ipHash}`;

/**
 * Per link: clicks, and clickers gained (a counted click by a client not
 * among `clicked`, the clients that clicked it before) or lost (`lost`: a
 * client none of whose counted clicks on it is left). A click with no client
 * address moves the clicks alone.
 */
export function linkCounterDeltas(changes: readonly FigureChange[], clicked: ReadonlySet<string>, lost: ReadonlySet<string>): LinkCounterDelta[] {
  // Nested by send and position: this runs per click of every batch.
  const bySend = new Map<string, Map<number, LinkCounterDelta>>();
  const deltas: LinkCounterDelta[] = [];
  const clickers = new Set(clicked);
  const leaving = new Set(lost);
  for (const change of changes) {
    if (change.kind !== 'CLICK' || change.linkPosition === null || change.counted === 0) continue;
    const position = change.linkPosition;
    let links = bySend.get(change.sendId);
    if (!links) bySend.set(change.sendId, (links = new Map()));
    let delta = links.get(position);
    if (!delta) {
      links.set(position, (delta = { sendId: change.sendId, position, clicks: 0, clickers: 0, first: null, last: null }));
      deltas.push(delta);
    }
    delta.clicks += change.counted;
    if (change.counted === 1) {
      delta.first = earliest(delta.first, change.at);
      delta.last = latest(delta.last, change.at);
    }
    if (!change.ipHash) continue;
    const client = clickerKey(change.sendId, position, change.ipHash);
    if (change.counted === 1 && !clickers.has(client)) {
      clickers.add(client);
      delta.clickers += 1;
    } else if (change.counted === -1 && leaving.delete(client)) {
      clickers.delete(client);
      delta.clickers -= 1;
    }
  }
  return deltas;
}

/**
 * Per link rollup group: the clicks gained or lost, and the sends whose
 * clicks on a key went from none to some (+1) or back (-1): a send counts
 * once however many of its positions carry the key.
 */
export function linkStatsDeltas(links: readonly LinkCounterDelta[], clicked: readonly ClickedLink[], sends: ReadonlyMap<string, SendAttribution>): LinkStatsDelta[] {
  const change = new Map(links.map((link) => [`${link.sendId} ${link.position}`, link.clicks]));
  const pairs = new Map<string, { sendId: string; linkKey: string; before: number; change: number }>();
  for (const link of clicked) {
    const pair = entry(pairs, `${link.sendId} ${link.linkKey}`, () => ({ sendId: link.sendId, linkKey: link.linkKey, before: link.keyClicksBefore, change: 0 }));
    pair.change += change.get(`${link.sendId} ${link.position}`) ?? 0;
  }
  const groups = new Map<string, LinkStatsDelta>();
  for (const pair of pairs.values()) {
    const send = sends.get(pair.sendId);
    if (!send || pair.change === 0) continue;
    const month = monthOf(send.sentAt);
    const campaignKey = send.campaignId ?? '';
    const templateKey = send.templateId ?? '';
    const group = entry(groups, `${month}\u0000${campaignKey}\u0000${templateKey}\u0000${pair.linkKey}`, () => ({
      month, campaignKey, templateKey, linkKey: pair.linkKey, positions: 0, clicks: 0, clicked: 0,
    }));
    group.clicks += pair.change;
    group.clicked += Number(pair.before + pair.change > 0) - Number(pair.before > 0);
  }
  return [...groups.values()].filter((group) => group.clicks !== 0 || group.clicked !== 0);
}
