// How one attempt ended, as the metrics and the delivery records take it:
// its class (2xx, 4xx, timeout, refused by the target guard, ...) and what
// becomes of the delivery: delivered, tried again at a time the retry
// schedule gives, or failed (the schedule ran out, or 410 Gone). Pure.
import type { AttemptOutcome, ClaimedDelivery } from './delivery-claims';
import type { AttemptResult } from './http-sender';
import { afterFailure } from './retry-schedule';

export type DeliveryOutcomeLabel = 'delivered' | 'retrying' | 'failed';

/** The metrics' attempt classes: 2xx, 3xx, 4xx, 5xx, timeout, refused (target guard), error. */
export function attemptClass(result: AttemptResult): string {
  if (result.statusCode !== null) return `${Math.floor(result.statusCode / 100)}xx`;
  if (result.error?.startsWith('target refused')) return 'refused';
  if (result.error?.startsWith('no answer') || result.error === 'connection timed out') return 'timeout';
  return 'error';
}

/** What to record for an attempt that ended at `at` (epoch ms); `random` in [0, 1) spreads the retry. */
export function attemptOutcome(delivery: ClaimedDelivery, result: AttemptResult, at: number, random: number): { outcome: AttemptOutcome; label: DeliveryOutcomeLabel } {
  const base = { orgId: delivery.org_id, id: delivery.id, endpointId: delivery.endpoint_id, leaseId: delivery.lease_id, statusCode: result.statusCode, error: result.error, at };
  if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
    return { outcome: { ...base, status: 'DELIVERED', retryAt: null }, label: 'delivered' };
  }
  const next = result.statusCode === 410 ? ({ failed: true } as const) : afterFailure(delivery.attempts + 1, delivery.retry_from.getTime(), at, random);
  if ('failed' in next) return { outcome: { ...base, status: 'FAILED', retryAt: null }, label: 'failed' };
  return { outcome: { ...base, status: 'PENDING', retryAt: next.retryAt }, label: 'retrying' };
}
