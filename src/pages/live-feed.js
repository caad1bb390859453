// The Live panel's list without the DOM: the latest events, newest first by
// their own time, bounded, each once. A RECLASSIFIED event changes the row of
// the event it names (which then goes behind the machine toggle) rather than
// adding one. Pure (test/unit/live-feed.test.ts).

/** Rows kept; older ones are dropped as new ones come. */
export const FEED_LIMIT = 300;

/** What waits behind the toggle: machines, Apple's proxy, and whatever does not count. */
export const isMachineOrMpp = (row) => row.bot || row.mpp || !row.counted;

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago": how long before `now` (both epoch ms). */
export function ago(at, now) {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

function rowOf(event) {
  const reclassified = event.type === 'RECLASSIFIED';
  return {
    ...event,
    // A reclassification of an event older than the list: an open has no link.
    kind: event.type === 'CLICKED' || (reclassified && event.url !== null) ? 'CLICKED' : 'OPENED',
    at: Date.parse(event.occurredAt),
    reclassified,
    version: 0,
  };
}

export function createFeed(limit = FEED_LIMIT) {
  /** newest first */
  let rows = [];
  const byId = new Map();

  function insert(row) {
    // Rows come mostly newest; a binary search finds the place of an older one.
    let low = 0;
    let high = rows.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (rows[middle].at > row.at || (rows[middle].at === row.at && rows[middle].id > row.id)) low = middle + 1;
      else high = middle;
    }
    rows.splice(low, 0, row);
    byId.set(row.id, row);
  }

  function apply(event) {
    const known = byId.get(event.id);
    if (!known) {
      insert(rowOf(event));
      return;
    }
    // The same event again (a reconnection's catch-up): its flags as they are now.
    // A reclassification sticks: an older copy read later cannot undo it.
    if (known.reclassified && event.type !== 'RECLASSIFIED') return;
    known.counted = event.counted;
    known.bot = event.bot;
    known.botReason = event.botReason;
    known.mpp = event.mpp;
    known.reclassified = known.reclassified || event.type === 'RECLASSIFIED';
    known.version++;
  }

  return {
    /** Takes events in any order (a stream's, or a catch-up newest first). */
    add(events) {
      for (const event of events) apply(event);
      if (rows.length > limit) {
        for (const dropped of rows.slice(limit)) byId.delete(dropped.id);
        rows = rows.slice(0, limit);
      }
    },
    /** Newest first, at most `max`: people's events only, unless `showMachines`. */
    rows(showMachines, max) {
      const shown = [];
      for (const row of rows) {
        if (shown.length >= max) break;
        if (showMachines || !isMachineOrMpp(row)) shown.push(row);
      }
      return shown;
    },
    hiddenCount() {
      return rows.filter(isMachineOrMpp).length;
    },
    get size() {
      return rows.length;
    },
    clear() {
      rows = [];
      byId.clear();
    },
  };
}
