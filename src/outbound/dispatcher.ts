// The delivery loop of one process, in three strands that never wait on one
// another: settling (due outbox rows become deliveries: on the poll, and
// again while it leaves more), claiming (each endpoint's due deliveries,
// queued here ahead of the sends up to a bound: endpoint-lanes.ts), and
// sending (each endpoint bounded in what it has in flight, so a receiver that
// hangs holds only its own slots), whose outcomes are recorded in batches.
// Several processes run it side by side on one database; claims keep them
// apart. It shares its event loop with the pixel and the redirect: while
// those are busy answering (serving-pressure.ts) it settles, claims and
// sends at a trickle, and it never starts more than a bounded number of
// attempts in one turn of the loop.
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { attemptClass, attemptOutcome } from './attempt-outcome';
import { claimDeliveries, dueEndpoints, recordOutcomes, releaseDeliveries, type AttemptOutcome, type ClaimedDelivery } from './delivery-claims';
import { EndpointLanes } from './endpoint-lanes';
import { OpenedSecrets } from './endpoint-secrets';
import { defaultDispatcherOptions, LEASE_MARGIN_MS, type DispatcherCounters, type DispatcherOptions } from './dispatcher-options';
import type { AttemptResult, HttpSender } from './http-sender';
import { noPressure, type ServingPressure } from './serving-pressure';
import { settleDue } from './settle';
import { signMessage } from './signer';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class OutboundDispatcher {
  readonly counters: DispatcherCounters = { outcomes: { delivered: 0, retrying: 0, failed: 0 }, attempts: new Map(), endpointFailures: new Map() };
  private readonly lanes = new EndpointLanes();
  private readonly secrets: OpenedSecrets;
  private readonly attempts = new Set<Promise<void>>();
  private pendingOutcomes: AttemptOutcome[] = [];
  private recordTimer: NodeJS.Timeout | null = null;
  private recording: Promise<void> = Promise.resolve();
  private pollTimer: NodeJS.Timeout | null = null;
  private settling: Promise<void> | null = null;
  private settleAgain = false;
  private claiming: Promise<void> | null = null;
  /** another claim is wanted once the current one ends; 'due' also looks for endpoints with due deliveries */
  private claimAgain: 'lanes' | 'due' | null = null;
  private pumpQueued = false;
  private running = false;
  private stopped: Promise<void> | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly sender: HttpSender,
    encryptionKey: Buffer,
    private readonly log: Logger,
    private readonly options: DispatcherOptions = defaultDispatcherOptions,
    private readonly pressure: Pick<ServingPressure, 'isBusy'> = noPressure,
  ) {
    this.secrets = new OpenedSecrets(encryptionKey);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pollTimer = setInterval(() => this.nudge('settle'), this.options.pollMs);
    this.pollTimer.unref();
    this.nudge('settle');
  }

  /**
   * Looks for due work now: 'settle' settles due outbox rows too (the poll,
   * or something queued here); 'claim' claims due deliveries (a redelivery,
   * a test event).
   */
  nudge(what: 'claim' | 'settle' = 'settle'): void {
    if (what === 'settle') this.settle();
    this.claim('due');
  }

  private settle(): void {
    if (!this.running) return;
    if (this.settling) {
      this.settleAgain = true;
      return;
    }
    this.settling = this.settlePasses()
      .catch((error: unknown) => {
        if (this.db.isInitialized) this.log.warn({ err: error }, 'outbound webhooks: could not settle; trying again shortly');
      })
      .finally(() => {
        this.settling = null;
        if (this.settleAgain) {
          this.settleAgain = false;
          this.settle();
        }
      });
  }

  /** Passes while more is due; while the process is busy answering, one small pass (the poll brings the next). */
  private async settlePasses(): Promise<void> {
    for (;;) {
      if (!this.db.isInitialized || !this.running) return;
      const busy = this.pressure.isBusy();
      const pass = await settleDue(this.db, busy ? this.options.busySettleBatch : this.options.settleBatch);
      if (pass.deliveries > 0) this.claim('due');
      if (!pass.more || busy || this.pressure.isBusy()) return;
      await nextTurn();
    }
  }

  /** 'lanes': for the endpoints this process already holds and that ran low; 'due': every endpoint with due deliveries. */
  private claim(kind: 'lanes' | 'due'): void {
    if (!this.running) return;
    if (this.claiming) {
      if (this.claimAgain !== 'due') this.claimAgain = kind;
      return;
    }
    this.claiming = this.claimRound(kind === 'due')
      .catch((error: unknown) => {
        if (this.db.isInitialized) this.log.warn({ err: error }, 'outbound webhooks: could not claim; trying again shortly');
      })
      .finally(() => {
        this.claiming = null;
        const again = this.claimAgain;
        this.claimAgain = null;
        if (again) this.claim(again);
      });
  }

  private async claimRound(lookForDue: boolean): Promise<void> {
    if (!this.db.isInitialized) return;
    const busy = this.pressure.isBusy();
    // While the process is busy answering, only the poll's look claims (a trickle).
    if (busy && !lookForDue) return;
    if (lookForDue) this.lanes.due(await dueEndpoints(this.db));
    const held = busy ? this.options.busyPerEndpoint : this.options.perEndpoint + this.options.claimAhead;
    // One claim per organisation, whose deliveries are on their way before the next organisation's claim.
    for (const [orgId, rooms] of this.lanes.rooms(held)) {
      const claimedAt = Date.now();
      this.lanes.claimed(rooms, await claimDeliveries(this.db, orgId, rooms, this.options.leaseMs), claimedAt);
      this.pump();
    }
    // Also when nothing was claimed: deliveries queued while the process was busy go once it is not.
    this.pump();
  }

  /** Starts what the lanes allow, at most launchBudget attempts in this turn of the loop; the rest in the next. */
  private pump(): void {
    if (this.pumpQueued || !this.running) return;
    const sending = this.pressure.isBusy() ? this.options.busyPerEndpoint : this.options.perEndpoint;
    const staleBefore = Date.now() - (this.options.leaseMs - LEASE_MARGIN_MS);
    for (const delivery of this.lanes.take(sending, this.options.launchBudget, staleBefore)) this.launch(delivery);
    if (!this.lanes.startable(sending)) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private launch(delivery: ClaimedDelivery): void {
    const attempt = this.attempt(delivery).finally(() => {
      this.attempts.delete(attempt);
      const low = this.lanes.finished(delivery.endpoint_id, this.options.claimAhead / 2);
      this.pump();
      if (low) this.claim('lanes');
    });
    this.attempts.add(attempt);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const now = Date.now();
    let result: AttemptResult;
    try {
      const secrets = this.secrets.signing(
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
      this.note(delivery, result);
    } catch (error) {
      // Unrecorded, the lease runs out and the delivery is tried again.
      this.log.error({ err: error, orgId: delivery.org_id, deliveryId: delivery.id }, 'outbound webhooks: could not note an attempt');
    }
  }

  /** Counts the attempt and queues its outcome for the next recording batch. */
  private note(delivery: ClaimedDelivery, result: AttemptResult): void {
    const kind = attemptClass(result);
    this.counters.attempts.set(kind, (this.counters.attempts.get(kind) ?? 0) + 1);
    const { outcome, label } = attemptOutcome(delivery, result, Date.now(), Math.random());
    this.counters.outcomes[label]++;
    if (label !== 'delivered') this.counters.endpointFailures.set(delivery.endpoint_id, (this.counters.endpointFailures.get(delivery.endpoint_id) ?? 0) + 1);
    // 410 disables the endpoint: what this process still has queued for it is not sent.
    if (result.statusCode === 410) this.lanes.drop(delivery.endpoint_id);
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
      });
  }

  /** Stops claiming; waits up to `graceMs` for attempts in flight, records what ended and gives back what was never started. Once. */
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
    await Promise.race([Promise.all([this.settling, this.claiming, ...this.attempts]), deadline]);
    if (this.recordTimer) {
      clearTimeout(this.recordTimer);
      this.flushOutcomes();
    }
    const queued = this.lanes.takeQueued();
    const released = queued.length === 0 || !this.db.isInitialized ? Promise.resolve() : releaseDeliveries(this.db, queued).catch((error: unknown) => {
      this.log.warn({ err: error, deliveries: queued.length }, 'outbound webhooks: could not give back unsent deliveries; their leases run out');
    });
    await Promise.race([Promise.all([this.recording, released]), deadline]);
    await this.sender.close();
  }
}
