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
      help: 'Pixel and redirect events, by what became of them (counted, bot, deduped, dropped at the buffer bound, orphaned: no such send)',
      labelNames: ['outcome'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ outcome: 'counted' }, counters.counted);
        this.inc({ outcome: 'bot' }, counters.bots);
        this.inc({ outcome: 'deduped' }, counters.deduped);
        this.inc({ outcome: 'dropped' }, counters.dropped);
        this.inc({ outcome: 'orphaned' }, counters.orphaned);
      },
    });
    new Gauge({
      name: 'tracking_events_buffered',
      help: 'Events answered but not yet written to the database',
      registers: [this.registry],
      collect() {
        this.set(recorder.buffered);
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
