// What a batch's counter moves add to the organisation-wide breakdowns, as
// rows of breakdown_deltas, computed from rows the writer already holds: the
// sends it locked (their counters before the batch) and, for the client and
// device dimensions, the locked sends' send_clients rows read before the
// upsert. A group's figures are the raw aggregate's (sends, opened,
// clicked, human opened over each send's counters): a move adds its
// figures after minus before. Pure; insertBreakdownDeltas writes the result
// in one statement.
import { DAY_MS } from './figures';

export type BreakdownDimension = 'MAILBOX_PROVIDER' | 'RECIPIENT_DOMAIN' | 'EMAIL_CLIENT' | 'DEVICE';

/** Counted opens, clicks and MPP opens: a send's, or a send's under one client or device. */
export interface Counters {
  opens: number;
  clicks: number;
  mppOpens: number;
}

/** One row of breakdown_deltas (day: days since the epoch, UTC). */
export interface BreakdownDelta extends Counters {
  day: number;
  senderId: string;
  dimension: BreakdownDimension;
  key: string;
  sends: number;
  opened: number;
  clicked: number;
  humanOpened: number;
}

/** What a locked send tells the breakdowns: its day, sender, whether it is tracked, and its counters before the batch. */
export interface BreakdownSend extends Counters {
  sentAt: number;
  senderId: string;
  tracked: boolean;
}

/** A send's provider and domain ('' once erased or never known), as lockSends reads them. */
export interface ProviderSend extends BreakdownSend {
  provider: string;
  domain: string;
}

/** A send's counters moving by these amounts (the event writer's per-send deltas). */
export interface CounterMove extends Counters {
  sendId: string;
}

/** A move of one send's counters for one client and device (the rows the writer upserts into send_clients). */
export interface ClientCounterMove extends Counters {
  sendId: string;
  client: string;
  device: string;
}

const NONE: Counters = { opens: 0, clicks: 0, mppOpens: 0 };

/** Sums moves per (day, sender, dimension, key); rows that sum to nothing are dropped. */
class BreakdownSums {
  private readonly rows = new Map<string, BreakdownDelta>();

  /**
   * One send's counters under `key` moving from `before` by `move`. A
   * provider's or domain's row counts every send from its instrumentation
   * on, and a send in it opened once it has an open or a click. A client's
   * or device's row holds a send only while the send has a counted open or
   * click there, and opened means an open there.
   */
  add(send: BreakdownSend, dimension: BreakdownDimension, key: string, before: Counters, move: Counters): void {
    const day = Math.floor(send.sentAt / DAY_MS);
    const id = day + ' ' + send.senderId + ' ' + dimension + ' ' + key;
    let row = this.rows.get(id);
    if (!row) {
      row = { day, senderId: send.senderId, dimension, key, sends: 0, opened: 0, clicked: 0, humanOpened: 0, ...NONE };
      this.rows.set(id, row);
    }
    // Flags before and after, inline: this runs per send and key of every batch.
    const opens = before.opens + move.opens;
    const clicks = before.clicks + move.clicks;
    const activeBefore = before.opens > 0 || before.clicks > 0;
    const activeAfter = opens > 0 || clicks > 0;
    if (dimension === 'EMAIL_CLIENT' || dimension === 'DEVICE') {
      row.sends += Number(activeAfter) - Number(activeBefore);
      row.opened += Number(opens > 0) - Number(before.opens > 0);
    } else row.opened += Number(activeAfter) - Number(activeBefore);
    row.clicked += Number(clicks > 0) - Number(before.clicks > 0);
    row.humanOpened +=
      Number(opens > before.mppOpens + move.mppOpens || clicks > 0) - Number(before.opens > before.mppOpens || before.clicks > 0);
    row.opens += move.opens;
    row.clicks += move.clicks;
    row.mppOpens += move.mppOpens;
  }

  result(): BreakdownDelta[] {
    return [...this.rows.values()].filter(
      (row) => row.sends !== 0 || row.opened !== 0 || row.clicked !== 0 || row.humanOpened !== 0 || row.opens !== 0 || row.clicks !== 0 || row.mppOpens !== 0,
    );
  }
}

/** The provider and domain rows of the batch's moves of its locked, tracked sends' counters. */
export function counterBreakdownDeltas(moves: readonly CounterMove[], sends: ReadonlyMap<string, ProviderSend>): BreakdownDelta[] {
  const sums = new BreakdownSums();
  for (const move of moves) {
    const send = sends.get(move.sendId);
    if (!send?.tracked) continue;
    sums.add(send, 'MAILBOX_PROVIDER', send.provider, send, move);
    sums.add(send, 'RECIPIENT_DOMAIN', send.domain, send, move);
  }
  return sums.result();
}

/**
 * The client and device rows of the batch's send_clients moves. `prior`:
 * the moved sends' rows as they were before (every client and device of
 * each, since a client's figures sum over its devices and a device's over
 * its clients); a send missing from it had none.
 */
export function clientBreakdownDeltas(
  moves: readonly ClientCounterMove[],
  prior: readonly ClientCounterMove[],
  sends: ReadonlyMap<string, BreakdownSend>,
): BreakdownDelta[] {
  // Per send, dimension and key: the counters summed over the rows under that key.
  const group = (rows: readonly ClientCounterMove[]) => {
    const sums = new Map<string, Counters & { sendId: string; dimension: BreakdownDimension; key: string }>();
    const addTo = (sendId: string, dimension: BreakdownDimension, key: string, row: Counters) => {
      const id = sendId + ' ' + dimension + ' ' + key;
      const sum = sums.get(id);
      if (sum === undefined) sums.set(id, { sendId, dimension, key, opens: row.opens, clicks: row.clicks, mppOpens: row.mppOpens });
      else {
        sum.opens += row.opens;
        sum.clicks += row.clicks;
        sum.mppOpens += row.mppOpens;
      }
    };
    for (const row of rows) {
      addTo(row.sendId, 'EMAIL_CLIENT', row.client, row);
      addTo(row.sendId, 'DEVICE', row.device, row);
    }
    return sums;
  };
  const before = group(prior);
  const sums = new BreakdownSums();
  for (const [id, move] of group(moves)) {
    const send = sends.get(move.sendId);
    if (send?.tracked) sums.add(send, move.dimension, move.key, before.get(id) ?? NONE, move);
  }
  return sums.result();
}
