// The dispatcher's knobs and what it counts for the metrics. The defaults
// are the service's; tests and benchmarks pass their own.
import type { DeliveryOutcomeLabel } from './attempt-outcome';
import { ATTEMPT_TIMEOUT_MS } from './http-sender';

export interface DispatcherOptions {
  /** how often to settle and look for due work when nothing prompted a look */
  pollMs: number;
  /** attempts in flight per endpoint in this process */
  perEndpoint: number;
  /** claimed and waiting per endpoint beyond those in flight, so the next claim overlaps the sends */
  claimAhead: number;
  /** outbox rows settled per organisation and transaction */
  settleBatch: number;
  /** a claimed delivery is not claimed again before this (longer than an attempt and its wait in the queue) */
  leaseMs: number;
  /** how long outcomes gather before one statement records them */
  recordDelayMs: number;
  /** attempts started in one turn of the event loop; the rest after the answers waiting in it */
  launchBudget: number;
  /** while the process is busy answering requests: attempts in flight (and claimed) per endpoint */
  busyPerEndpoint: number;
  /** while the process is busy answering requests: outbox rows settled per poll */
  busySettleBatch: number;
}

export const defaultDispatcherOptions: DispatcherOptions = {
  pollMs: 1_000,
  perEndpoint: 32,
  claimAhead: 64,
  settleBatch: 1_000,
  leaseMs: 6 * ATTEMPT_TIMEOUT_MS,
  recordDelayMs: 5,
  launchBudget: 32,
  busyPerEndpoint: 2,
  busySettleBatch: 100,
};

/**
 * A queued delivery claimed longer ago than the lease less this is dropped
 * unsent (its lease may end during the attempt): two attempts' worth.
 */
export const LEASE_MARGIN_MS = 2 * ATTEMPT_TIMEOUT_MS;

/** What the metrics read (outbound-metrics.ts). */
export interface DispatcherCounters {
  outcomes: Record<DeliveryOutcomeLabel, number>;
  /** attempts by class: 2xx, 4xx, 5xx, timeout, refused (target guard), error */
  attempts: Map<string, number>;
  /** failed attempts per endpoint id */
  endpointFailures: Map<string, number>;
}
