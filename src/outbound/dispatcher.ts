// The delivery loop of one process: settle what is due, claim due deliveries
// (each endpoint bounded in what it has in flight here, so a receiver that
// hangs holds only its own slots), send them, record how they ended. Several
// processes run it side by side on one database; claims keep them apart.
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { claimDeliveries, dueEndpoints, recordOutcomes, type AttemptOutcome, type ClaimedDelivery } from './delivery-claims';
import { signingSecrets } from './endpoint-secrets';
import { ATTEMPT_TIMEOUT_MS, type AttemptResult, type HttpSender } from './http-sender';
import { afterFailure } from './retry-schedule';
import { settleDue } from './settle';
import { signMessage } from './signer';

export interface DispatcherOptions {
  /** how often to look for due work when nothing prompted a look */
  pollMs: number;
  /** attempts in flight per endpoint in this process */
  perEndpoint: number;
  /** outbox rows settled per transaction */
  settleBatch: number;
  /** a claimed delivery is not claimed again before this (longer than an attempt and its queueing) */
  leaseMs: number;
  /** how long outcomes gather before one statement records them */
  recordDelayMs: number;
}

export const defaultDispatcherOptions: DispatcherOptions = {
  pollMs: 1_000,
  perEndpoint: 32,
  settleBatch: 1_000,
  leaseMs: 6 * ATTEMPT_TIMEOUT_MS,
  recordDelayMs: 5,
};

export type DeliveryOutcomeLabel = 'delivered' | 'retrying' | 'failed';

/** What the metrics read (outbound-metrics.ts). */
export interface DispatcherCounters {
  outcomes: Record<DeliveryOutcomeLabel, number>;
  /** attempts by class: 2xx, 4xx, 5xx, timeout, refused (target guard), error */
  attempts: Map<string, number>;
  /** failed attempts per endpoint id */
  endpointFailures: Map<string, number>;
}

function attemptClass(result: AttemptResult): string {
  if (result.statusCode !== null) return `${Math.floor(result.statusCode / 100)}xx`;
  if (result.error?.startsWith('target refused')) return 'refused';
  if (result.error?.startsWith('no answer') || result.error === 'connection timed out') return 'timeout';
  return 'error';
}

export class OutboundDispatcher {
  readonly counters: DispatcherCounters = { outcomes: { delivered: 0, retrying: 0, failed: 0 }, attempts: new Map(), endpointFailures: new Map() };
  private readonly inFlight = new Map<string, number>();
  private readonly attempts = new Set<Promise<void>>();
  private pendingOutcomes: AttemptOutcome[] = [];
  private recordTimer: NodeJS.Timeout | null = null;
  private recording: Promise<void> = Promise.resolve();
  private pollTimer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  /** another look is wanted once the current one ends; 'settle' also settles the outbox first */
  private again: 'claim' | 'settle' | null = null;
  private running = false;

  constructor(
    private readonly db: DataSource,
    private readonly sender: HttpSender,
    private readonly encryptionKey: Buffer,
    private readonly log: Logger,
    private readonly options: DispatcherOptions = defaultDispatcherOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pollTimer = setInterval(() => this.nudge('settle'), this.options.pollMs);
    this.pollTimer.unref();
    this.nudge('settle');
  }

  /**
   * Looks for due work now: 'settle' settles due outbox rows first (the
   * timer, or something queued here); 'claim' only claims deliveries (an
   * attempt ended and freed a slot).
   */
  nudge(what: 'claim' | 'settle' = 'settle'): void {
    if (!this.running) return;
    if (this.ticking) {
      if (this.again !== 'settle') this.again = what;
      return;
    }
    this.ticking = this.tick(what === 'settle')
      .catch((error: unknown) => {
        if (this.db.isInitialized) this.log.warn({ err: error }, 'outbound webhooks: could not settle or claim; trying again shortly');
      })
      .finally(() => {
        this.ticking = null;
        const again = this.again;
        this.again = null;
        if (again) this.nudge(again);
      });
  }

  private async tick(settle: boolean): Promise<void> {
    if (!this.db.isInitialized) return;
    while (settle) settle = (await settleDue(this.db, this.options.settleBatch)).more;
    // Each endpoint up to its free slots here; one claim per organisation,
    // whose deliveries are on their way before the next organisation's claim.
    const slotsByOrg = new Map<string, Map<string, number>>();
    for (const endpoint of await dueEndpoints(this.db)) {
      const free = this.options.perEndpoint - (this.inFlight.get(endpoint.id) ?? 0);
      if (free <= 0) continue;
      const slots = slotsByOrg.get(endpoint.org_id) ?? new Map<string, number>();
      slotsByOrg.set(endpoint.org_id, slots.set(endpoint.id, free));
    }
    for (const [orgId, slots] of slotsByOrg) {
      for (const delivery of await claimDeliveries(this.db, orgId, slots, this.options.leaseMs)) this.launch(delivery);
    }
  }

  private launch(delivery: ClaimedDelivery): void {
    this.inFlight.set(delivery.endpoint_id, (this.inFlight.get(delivery.endpoint_id) ?? 0) + 1);
    const attempt = this.attempt(delivery).finally(() => {
      const left = (this.inFlight.get(delivery.endpoint_id) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(delivery.endpoint_id);
      else this.inFlight.set(delivery.endpoint_id, left);
      this.attempts.delete(attempt);
    });
    this.attempts.add(attempt);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const now = Date.now();
    let result: AttemptResult;
    try {
      const secrets = signingSecrets(
        this.encryptionKey,
        { orgId: delivery.org_id, endpointId: delivery.endpoint_id, current: delivery.secret_enc, previous: delivery.previous_secret_enc, previousUntil: delivery.previous_secret_until },
        now,
      );
      const headers = signMessage(secrets, delivery.message_id, Math.floor(now / 1000), delivery.payload);
      result = await this.sender.send({ url: delivery.url, headers: { ...headers }, body: delivery.payload });
    } catch (error) {
      // A secret that does not open (another SECRETS_ENCRYPTION_KEY): never sent unsigned.
      this.log.error({ err: error, orgId: delivery.org_id, endpointId: delivery.endpoint_id }, 'outbound webhooks: cannot sign for this endpoint');
      result = { statusCode: null, error: 'could not sign (the stored secret does not open)' };
    }
    try {
      this.settleAttempt(delivery, result);
    } catch (error) {
      // Unrecorded, the lease runs out and the delivery is tried again.
      this.log.error({ err: error, orgId: delivery.org_id, deliveryId: delivery.id }, 'outbound webhooks: could not note an attempt');
    }
  }

  private settleAttempt(delivery: ClaimedDelivery, result: AttemptResult): void {
    const at = Date.now();
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const kind = attemptClass(result);
    this.counters.attempts.set(kind, (this.counters.attempts.get(kind) ?? 0) + 1);
    let outcome: AttemptOutcome;
    const base = { orgId: delivery.org_id, id: delivery.id, endpointId: delivery.endpoint_id, leaseId: delivery.lease_id, statusCode: result.statusCode, error: result.error, at };
    if (ok) {
      outcome = { ...base, status: 'DELIVERED', retryAt: null };
      this.counters.outcomes.delivered++;
    } else {
      this.counters.endpointFailures.set(delivery.endpoint_id, (this.counters.endpointFailures.get(delivery.endpoint_id) ?? 0) + 1);
      const next = result.statusCode === 410 ? ({ failed: true } as const) : afterFailure(delivery.attempts + 1, delivery.retry_from.getTime(), at, Math.random());
      if ('failed' in next) {
        outcome = { ...base, status: 'FAILED', retryAt: null };
        this.counters.outcomes.failed++;
      } else {
        outcome = { ...base, status: 'PENDING', retryAt: next.retryAt };
        this.counters.outcomes.retrying++;
      }
    }
    this.pendingOutcomes.push(outcome);
    this.recordTimer ??= setTimeout(() => this.flushOutcomes(), this.options.recordDelayMs);
  }

  private flushOutcomes(): void {
    this.recordTimer = null;
    const outcomes = this.pendingOutcomes;
    this.pendingOutcomes = [];
    this.recording = this.recording
      .then(() => recordOutcomes(this.db, outcomes))
      .catch((error: unknown) => {
        // The leases run out and the deliveries are tried again: at least once, never lost.
        if (this.db.isInitialized) this.log.warn({ err: error, outcomes: outcomes.length }, 'outbound webhooks: could not record attempts');
      })
      .finally(() => this.nudge('claim'));
  }

  private stopped: Promise<void> | null = null;

  /** Stops claiming; waits up to `graceMs` for attempts in flight, then records what ended. Once. */
  stop(graceMs = 1_000): Promise<void> {
    this.stopped ??= this.shutDown(graceMs);
    return this.stopped;
  }

  /**
   * Bounded whatever the database or the receivers do (a SIGTERM ends the
   * process within 10 s): what has not ended by then is tried again once
   * its lease runs out.
   */
  private async shutDown(graceMs: number): Promise<void> {
    this.running = false;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all([this.ticking, ...this.attempts]), deadline]);
    if (this.recordTimer) {
      clearTimeout(this.recordTimer);
      this.flushOutcomes();
    }
    await Promise.race([this.recording, deadline]);
    await this.sender.close();
  }
}
