// The pixel and the redirect answer first and record later: each event goes
// to the journal on local disk as it is answered (see journal/), and reaches
// PostgreSQL from there in batches. Writing never delays or fails an answer;
// while the database is unreachable the journal holds the events and writing
// is retried. While requests keep the event loop busy, writing may wait a
// little: answers come first.
import { randomUUID } from 'node:crypto';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { toEventInput, type PendingEvent } from './event';
import { Journal, type JournalBatch, type JournalOptions } from './journal/journal';
import { isTransient } from './transient-errors';
import { writeEvents } from './write-events';
import { cutPerOrganisation, WriteRate } from './write-lanes';
import { nextBatchSize, nextPacing, WRITING, type Pacing } from './write-pacing';

export interface RecorderOptions {
  /** events taken from the journal at once, cut per organisation and spread over the lanes */
  batchSize: number;
  /** the same while events keep arriving (write-pacing.ts, nextBatchSize): short stretches while answers wait */
  servingBatchSize: number;
  servingWindowMs: number;
  /** writer transactions in flight at once, each on one organisation's sends of its own */
  lanes: number;
  /** how long an event may wait for companions before a batch is written */
  lingerMs: number;
  /** first wait after a failed write; doubles up to maxRetryDelayMs */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** bounds one batch's statements, so a stuck database cannot stall the writer */
  statementTimeoutMs: number;
  /** event-loop utilisation above which writing waits, while the oldest waiting event is younger than maxDeferMs (write-pacing.ts) */
  busyUtilisation: number;
  /** writing that waits resumes once the loop was less busy than this over resumeWindowMs */
  resumeUtilisation: number;
  resumeWindowMs: number;
  /** how far behind writing may fall while the loop is busy (0: never wait) */
  maxDeferMs: number;
  /** writing waits only with at least this many events waiting: a few cost the answers nothing, and a busy moment (start-up, an export) must not hold them */
  deferFromEvents: number;
  /** false only for the tracking benchmark's baseline: BURST, TRAP and the cross-source take-back are not applied (contract section 4 needs them) */
  machineRules: boolean;
  /** true only for the tracking benchmark's floor: events are stored and nothing else is done (no locks, rules, counters or timelines) */
  appendOnly: boolean;
}

export const defaultRecorderOptions: RecorderOptions = {
  batchSize: 4_000,
  servingBatchSize: 500,
  servingWindowMs: 1_000,
  lanes: 2,
  lingerMs: 10,
  retryDelayMs: 250,
  maxRetryDelayMs: 5_000,
  statementTimeoutMs: 10_000,
  // While requests keep the loop this busy (a burst: several thousand a
  // second), writing waits until the oldest waiting event is 10 s old: a
  // burst is answered at full speed and written right after, from the
  // journal; a longer load is written as it goes, 10 s behind. Waiting
  // ends early only after a whole second below 60 %: the load is over.
  busyUtilisation: 0.8,
  resumeUtilisation: 0.6,
  resumeWindowMs: 1_000,
  maxDeferMs: 10_000,
  // A burst of several thousand a second passes 100 within tens of milliseconds.
  deferFromEvents: 100,
  machineRules: true,
  appendOnly: false,
};

export interface RecorderCounters {
  recorded: number;
  written: number;
  counted: number;
  bots: number;
  deduped: number;
  dropped: number;
  /** events whose send does not exist */
  orphaned: number;
  /** events not recorded because their contact withdrew tracking consent or was erased */
  withheld: number;
  writeFailures: number;
}

const BUSY_RECHECK_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Raised inside the write loop when shutdown's deadline has passed. */
class DeadlinePassed extends Error {}

export class EventRecorder {
  /** events the writer gave up on (not the database's fault: it refused them one by one) */
  private unwritable = 0;
  readonly counters: RecorderCounters = this.newCounters();
  readonly rate = new WriteRate();
  readonly journal: Journal;
  private loopSample: EventLoopUtilization = performance.eventLoopUtilization();
  private pacing: Pacing = WRITING;
  private lastRecordedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private retryDelay: number;
  private outage = false;
  private lastDropLog = 0;
  private closed = false;
  /** during flush() and close(): write whatever the load, give up at this time */
  private deadline: number | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly log: Logger,
    journalOptions: JournalOptions,
    private readonly options: RecorderOptions = defaultRecorderOptions,
  ) {
    this.retryDelay = options.retryDelayMs;
    this.journal = Journal.open(journalOptions, log, () => this.schedule(this.options.lingerMs));
  }

  /**
   * Events are dropped in two places: the journal (its bound, and the memory
   * fallback's while the disk fails, also for events already answered when a
   * write to the disk fails) and the writer. One figure for both.
   */
  private newCounters(): RecorderCounters {
    const counters = { recorded: 0, written: 0, counted: 0, bots: 0, deduped: 0, orphaned: 0, withheld: 0, writeFailures: 0 };
    const dropped = () => this.journal.counters.dropped + this.unwritable;
    return Object.defineProperty(counters, 'dropped', { get: dropped, enumerable: true }) as RecorderCounters;
  }

  /** Events answered and not yet written (in the journal, or in memory while the disk fails). */
  get buffered(): number {
    return this.journal.waiting;
  }

  /** Journals an event; O(1), never throws, never waits. False when it was dropped (a bound was reached). */
  record(event: PendingEvent): boolean {
    event.id = randomUUID();
    this.lastRecordedAt = event.at;
    if (this.journal.append(event) === 'dropped') {
      const now = Date.now();
      if (now - this.lastDropLog > 10_000) {
        this.lastDropLog = now;
        this.log.error({ dropped: this.counters.dropped, waiting: this.journal.waiting, bytes: this.journal.bytes }, 'event journal full: dropping new events');
      }
      return false;
    }
    this.counters.recorded++;
    return true;
  }

  /** Writes everything answered so far, waiting at most `deadlineMs`; resolves either way. */
  async flush(deadlineMs = 10_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    this.deadline = deadline;
    try {
      this.journal.flush();
      while (this.journal.waiting > 0 && Date.now() < deadline) {
        this.clearTimer();
        // A batch stuck in the database (a lock, a hung server) may outlive
        // the deadline: stop waiting for it then. Its events stay in the
        // journal, and a commit that lands later is stored once (event ids).
        const left = deadline - Date.now();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.startDrain(), new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
        clearTimeout(timer);
        if (this.journal.waiting > 0 && !this.outage) await sleep(5); // a batch another drain holds
      }
    } finally {
      this.deadline = null;
    }
  }

  /** Graceful shutdown: sync the journal, write what fits before the deadline, close the journal; the rest stays in it. */
  async close(deadlineMs = 10_000): Promise<void> {
    this.journal.sync();
    await this.flush(deadlineMs);
    this.closed = true;
    this.clearTimer();
    const left = this.journal.close();
    if (left > 0) this.log.warn({ left, directory: this.journal.directory }, 'shutdown: events left in the journal for the next start');
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delay: number): void {
    if (this.timer || this.draining || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.startDrain();
    }, delay);
    this.timer.unref();
  }

  /**
   * True while requests keep the loop busy and the oldest event waiting is
   * younger than maxDeferMs: a burst is answered first and written after it,
   * a sustained load is written as it goes, at most maxDeferMs behind.
   */
  private shouldDefer(): boolean {
    if (this.deadline !== null) return false;
    const sample = performance.eventLoopUtilization();
    const { active, idle } = performance.eventLoopUtilization(sample, this.loopSample);
    this.loopSample = sample;
    const oldest = this.journal.oldestWaitingAt();
    this.pacing = nextPacing(this.pacing, { activeMs: active, elapsedMs: active + idle }, oldest === null ? null : Date.now() - oldest, this.options);
    return this.pacing.deferring && this.journal.waiting >= this.options.deferFromEvents;
  }

  /** Starts the write loop unless it runs; `draining` is cleared only after it was set. */
  private startDrain(): Promise<void> {
    if (!this.draining) {
      this.draining = this.drain().then(
        (wait) => {
          this.draining = null;
          if (wait !== null) this.schedule(wait);
        },
        (error: unknown) => {
          // Not the database (those are retried in place): the journal itself.
          // The events stay where they are; the writer looks again later.
          this.draining = null;
          this.log.error({ err: error }, 'event writer failed; retrying');
          this.schedule(this.options.maxRetryDelayMs);
        },
      );
    }
    return this.draining;
  }

  /** Writes batches until the journal is empty; returns how long to wait before looking again (null: nothing left). */
  private async drain(): Promise<number | null> {
    for (;;) {
      if (this.shouldDefer()) return BUSY_RECHECK_MS;
      const size = nextBatchSize(this.options, Date.now() - this.lastRecordedAt);
      const batch = this.journal.takeBatch(size);
      if (batch === null) return null;
      try {
        await this.writeJournalBatch(batch, size);
      } catch (error) {
        if (error instanceof DeadlinePassed) return null;
        throw error;
      }
      // Closed while the batch was in flight: the journal is shut, the batch stays in it for the next start.
      if (this.closed) return null;
      this.journal.ack(batch);
    }
  }

  /**
   * Writes a batch as one transaction per organisation (a large one split by
   * send), at most `lanes` at once; each retries until it commits or the
   * deadline passes.
   */
  private async writeJournalBatch(batch: JournalBatch, batchSize: number): Promise<void> {
    const { lanes } = this.options;
    const transactions = cutPerOrganisation(batch.events, lanes, Math.ceil(batchSize / Math.max(lanes, 1)));
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < transactions.length) await this.writeUntilCommitted(transactions[next++], batch.maybeRepeated);
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(lanes, 1), transactions.length) }, lane));
  }

  private async writeUntilCommitted(events: PendingEvent[], maybeRepeated: boolean): Promise<void> {
    let repeated = maybeRepeated;
    for (;;) {
      if (this.closed || (this.deadline !== null && Date.now() >= this.deadline)) throw new DeadlinePassed();
      try {
        await this.writeBatch(events, repeated).catch((error: unknown) => {
          if (isTransient(error)) throw error;
          // Not the database's state but something in the batch: isolate the culprit.
          this.counters.writeFailures++;
          return this.writeOneByOne(events);
        });
        this.noteRecovery();
        return;
      } catch (error) {
        this.counters.writeFailures++;
        this.noteOutage(error);
        // The failure may have come after the commit: the retry must not store twice.
        repeated = true;
        await sleep(this.deadline === null ? this.retryDelay : Math.min(this.retryDelay, Math.max(0, this.deadline - Date.now())));
      }
    }
  }

  private noteOutage(error: unknown): void {
    if (!this.outage) {
      this.log.warn({ err: error, waiting: this.journal.waiting }, 'cannot write events: keeping them in the journal and retrying');
    }
    this.outage = true;
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.maxRetryDelayMs);
  }

  private noteRecovery(): void {
    if (!this.outage) return;
    this.outage = false;
    this.retryDelay = this.options.retryDelayMs;
    this.log.info({ waiting: this.journal.waiting }, 'database reachable again: writing journaled events');
  }

  private async writeBatch(batch: PendingEvent[], maybeRepeated: boolean): Promise<void> {
    const outcome = await this.db.transaction(async (manager) => {
      // A durable commit: the journal lets go of these events once it returns.
      // Batches are large, so the WAL flush is paid once per thousands of events.
      // Past a shutdown's deadline nothing waits, so no statement may either.
      const timeout = this.deadline === null ? this.options.statementTimeoutMs : Math.min(this.options.statementTimeoutMs, this.deadline - Date.now());
      await manager.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeout))}`);
      return writeEvents(manager, batch.map(toEventInput), { maybeRepeated, machineRules: this.options.machineRules, appendOnly: this.options.appendOnly });
    });
    this.rate.note(batch.length);
    batch.forEach((event, index) => {
      if (!outcome.stored[index]) {
        if (outcome.withheld[index]) this.counters.withheld++;
        else if (!maybeRepeated) this.counters.orphaned++;
        return;
      }
      this.counters.written++;
      if (outcome.counted[index]) this.counters.counted++;
      else if (outcome.bot[index]) this.counters.bots++;
      else if (event.countable) this.counters.deduped++;
    });
  }

  private async writeOneByOne(batch: PendingEvent[]): Promise<void> {
    for (const event of batch) {
      try {
        await this.writeBatch([event], true);
      } catch (error) {
        if (isTransient(error)) throw error;
        this.unwritable++;
        this.log.error({ err: error, sendId: event.sendId, kind: event.kind }, 'event could not be written: dropped');
      }
    }
  }
}
