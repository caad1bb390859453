// The outbound webhooks' Prometheus metrics: deliveries by outcome, attempts
// by how they ended, failures per endpoint (by id: a URL may carry a token),
// and the age of the oldest delivery still pending, read at scrape time.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { OutboundDispatcher } from './dispatcher';

// Across organisations, over the pending rows only (webhook_deliveries_due_idx's predicate).
const OLDEST_PENDING = `SELECT extract(epoch FROM now() - min(created_at))::float8 AS age FROM webhook_deliveries WHERE status = 'PENDING'`;

export function registerOutboundMetrics(registry: Registry, dispatcher: OutboundDispatcher, db: DataSource): void {
  const counters = dispatcher.counters;
  new Counter({
    name: 'webhook_deliveries_total',
    help: 'Outbound webhook attempts by what became of the delivery: delivered, retrying (to be tried again), failed (given up after 24 h, or 410 Gone)',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, count] of Object.entries(counters.outcomes)) this.inc({ outcome }, count);
    },
  });
  new Counter({
    name: 'webhook_delivery_attempts_total',
    help: 'Outbound webhook attempts by how they ended: 2xx, 3xx, 4xx, 5xx, timeout, refused (the target guard), error (connection)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [result, count] of counters.attempts) this.inc({ result }, count);
    },
  });
  new Counter({
    name: 'webhook_endpoint_failures_total',
    help: 'Failed outbound webhook attempts per endpoint id',
    labelNames: ['endpoint'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [endpoint, count] of counters.endpointFailures) this.inc({ endpoint }, count);
    },
  });
  new Gauge({
    name: 'webhook_oldest_pending_delivery_age_seconds',
    help: 'Age of the oldest outbound webhook delivery not yet delivered or failed (0 when none)',
    registers: [registry],
    async collect() {
      if (!db.isInitialized) return;
      const rows: { age: number | null }[] = await db.query(OLDEST_PENDING).catch(() => [{ age: null }]);
      this.set(rows[0]?.age ?? 0);
    },
  });
}
