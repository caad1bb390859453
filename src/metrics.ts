// Prometheus metrics (GET /metrics): requests by route and status, what the
// event recorder did, webhook outcomes, database errors, and Node's own
// process metrics. Hot-path counters are pre-bound to their labels so a
// request pays one increment.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventRecorder } from './events/recorder';

/** Bounded route labels, from the path: never the token or anything a client chose. */
export function routeLabel(path: string): string {
  if (path.startsWith('/track/open/')) return 'pixel';
  if (path.startsWith('/track/click/')) return 'click';
  if (path.startsWith('/pages/')) return 'page_assets';
  switch (path) {
    case '/graphql':
      return 'graphql';
    case '/graphql/stream':
      return 'graphql_stream';
    case '/api/v1/webhooks/mailgun':
      return 'mailgun_webhook';
    case '/healthz':
      return 'healthz';
    case '/metrics':
      return 'metrics';
    case '/stats':
      return 'stats_page';
    case '/settings':
      return 'settings_page';
    default:
      return 'other';
  }
}

export type WebhookOutcome = 'handled' | 'ignored' | 'repeat' | 'unauthorized' | 'malformed' | 'too_large' | 'unavailable';

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly bound = new Map<string, Counter.Internal>();
  /** every request answered, a plain number: the outbound dispatcher reads it to yield to them (outbound/serving-pressure.ts) */
  answered = 0;
  private readonly webhooks = new Counter({
    name: 'mailgun_webhook_events_total',
    help: 'Mailgun webhook deliveries, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly dbErrors = new Counter({
    name: 'db_errors_total',
    help: 'Database errors, by what was being done',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  constructor(recorder: EventRecorder) {
    collectDefaultMetrics({ register: this.registry });
    const counters = recorder.counters;
    new Counter({
      name: 'tracking_events_total',
      help: 'Pixel and redirect events, by what became of them (counted, bot, deduped, dropped: a bound of the journal or of its memory fallback was reached, or the event could not be written, orphaned: no such send, withheld: the contact withdrew consent or was erased)',
      labelNames: ['outcome'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ outcome: 'counted' }, counters.counted);
        this.inc({ outcome: 'bot' }, counters.bots);
        this.inc({ outcome: 'deduped' }, counters.deduped);
        this.inc({ outcome: 'dropped' }, counters.dropped);
        this.inc({ outcome: 'orphaned' }, counters.orphaned);
        this.inc({ outcome: 'withheld' }, counters.withheld);
      },
    });
    const journal = recorder.journal;
    new Gauge({
      name: 'tracking_events_buffered',
      help: 'Events answered but not yet written to the database (in the journal, or in memory while the disk fails)',
      registers: [this.registry],
      collect() {
        this.set(recorder.buffered);
      },
    });
    new Gauge({
      name: 'tracking_journal_bytes',
      help: 'Bytes of journal segment files not yet removed (bounded by EMAIL_TRACKING_SPOOL_MAX_MB)',
      registers: [this.registry],
      collect() {
        this.set(journal.bytes);
      },
    });
    new Gauge({
      name: 'tracking_journal_oldest_event_age_seconds',
      help: 'Age of the oldest event not yet written to the database (0 when none waits)',
      registers: [this.registry],
      collect() {
        const oldest = journal.oldestWaitingAt();
        this.set(oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
      },
    });
    new Gauge({
      name: 'tracking_events_written_per_second',
      help: 'Events written to the database per second, over the last 10 s',
      registers: [this.registry],
      collect() {
        this.set(recorder.rate.perSecond());
      },
    });
    new Counter({
      name: 'tracking_events_written_total',
      help: 'Events the writer committed (rate() of it is the write throughput)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(recorder.rate.total);
      },
    });
    new Counter({
      name: 'tracking_journal_events_total',
      help: 'Journal events by what happened to them: unjournaled (kept in memory while the disk failed), adopted (from a process that is gone)',
      labelNames: ['outcome'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ outcome: 'unjournaled' }, journal.counters.unjournaled);
        this.inc({ outcome: 'adopted' }, journal.counters.adopted);
      },
    });
    new Counter({
      name: 'tracking_journal_skipped_bytes_total',
      help: 'Journal bytes skipped as torn or damaged records',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(journal.counters.skippedBytes);
      },
    });
    new Counter({
      name: 'tracking_event_write_failures_total',
      help: 'Failed batch writes (each retried while the database is unreachable)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(counters.writeFailures);
      },
    });
  }

  countRequest(route: string, status: number): void {
    this.answered++;
    const key = `${route} ${status}`;
    let child = this.bound.get(key);
    if (!child) {
      child = this.requests.labels(route, String(status));
      this.bound.set(key, child);
    }
    child.inc();
  }

  countWebhook(outcome: WebhookOutcome): void {
    this.webhooks.inc({ outcome });
  }

  countDatabaseError(operation: string): void {
    this.dbErrors.inc({ operation });
  }
}
