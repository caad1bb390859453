// Live activity's figures on GET /metrics: streams open here, whether this
// process LISTENs, and what the fan-out did. Read from the hub when scraped.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ActivityHub } from './activity-hub';

export function registerLiveMetrics(registry: Registry, hub: ActivityHub): void {
  new Gauge({
    name: 'live_streams_open',
    help: 'Live activity streams this instance holds open',
    registers: [registry],
    collect() {
      this.set(hub.openStreams);
    },
  });
  new Gauge({
    name: 'live_listening',
    help: '1 while this instance LISTENs for written batches (only while it holds a stream)',
    registers: [registry],
    collect() {
      this.set(hub.isListening ? 1 : 0);
    },
  });
  const counted: [string, string, () => number][] = [
    ['live_batches_read_total', 'Written batches read for this instance\'s streams (once each, whatever the number of streams)', () => hub.counters.batchesRead],
    ['live_events_delivered_total', 'Events handed to streams (one per stream that sees it)', () => hub.counters.eventsDelivered],
    ['live_streams_refused_total', 'Streams refused over EMAIL_TRACKING_MAX_STREAMS_PER_USER or EMAIL_TRACKING_MAX_STREAMS', () => hub.counters.refused],
    ['live_streams_fell_behind_total', 'Streams closed because their client read too slowly', () => hub.counters.fellBehind],
    ['live_notices_dropped_total', 'Batch notices dropped unread because reading fell too far behind', () => hub.counters.noticesDropped],
  ];
  for (const [name, help, value] of counted) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  }
}
