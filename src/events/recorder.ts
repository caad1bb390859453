// The pixel and the redirect answer first and record later: events wait in a
// bounded in-memory buffer and are written in batches. While the database is
// unreachable the buffer holds them and retries; past its bound, new events
// are dropped and counted, never the answers. While requests keep the event
// loop busy, writing waits (up to a high-water mark and a maximum age):
// answers come first, the backlog of a burst is written when it is over.
import { randomUUID } from 'node:crypto';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { toEventInput, type PendingEvent } from './event';
import { writeEvents } from './write-events';

export interface RecorderOptions {
  /** events kept while the database is slow or down; past it new events are dropped */
  maxBuffered: number;
  /** events per transaction */
  batchSize: number;
  /** how long an event may wait for companions before a batch is written */
  lingerMs: number;
  /** first wait after a failed write; doubles up to maxRetryDelayMs */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** bounds one batch's statements, so a stuck database cannot stall the loop */
  statementTimeoutMs: number;
  /** event-loop utilisation above which writing waits, while the buffer is under highWater and maxDeferMs */
  busyUtilisation: number;
  /** buffered events past which writing goes on however busy the loop is */
  highWater: number;
  /** age of the oldest buffered event past which writing goes on however busy the loop is */
  maxDeferMs: number;
}

export const defaultRecorderOptions: RecorderOptions = {
  maxBuffered: 500_000,
  batchSize: 1_000,
  lingerMs: 10,
  retryDelayMs: 250,
  maxRetryDelayMs: 5_000,
  statementTimeoutMs: 10_000,
  // Half busy is several thousand requests a second: a burst. Writing a batch
  // then would take CPU from the answers (and from PostgreSQL, where it shares
  // the machine); a sustained load is written after 30 s anyway.
  busyUtilisation: 0.5,
  highWater: 250_000,
  maxDeferMs: 30_000,
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

/** Errors after which retrying the same batch later can succeed. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? (error as { driverError?: { code?: string } }).driverError?.code ?? '';
  if (/^(08|53|57|58)/.test(code) || code === '40001' || code === '40P01' || code === '55P03') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /timeout|terminat|connect|Connection|closed|ECONN/i.test(message);
}

/** How soon a writer that waited for a busy loop looks again. */
const BUSY_RECHECK_MS = 100;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `work`, or until the deadline, whichever is first, leaving no timer behind. */
async function withDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  await Promise.race([work, expired]);
  clearTimeout(timer);
}

export class EventRecorder {
  readonly counters: RecorderCounters = { recorded: 0, written: 0, counted: 0, bots: 0, deduped: 0, dropped: 0, orphaned: 0, withheld: 0, writeFailures: 0 };
  private buffer: PendingEvent[] = [];
  private loopSample: EventLoopUtilization = performance.eventLoopUtilization();
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private retryDelay: number;
  private outage = false;
  private lastDropLog = 0;
  private closed = false;
  /** an explicit flush writes whatever the load */
  private flushing = false;

  constructor(
    private readonly db: DataSource,
    private readonly log: Logger,
    private readonly options: RecorderOptions = defaultRecorderOptions,
  ) {
    this.retryDelay = options.retryDelayMs;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Queues an event; O(1), never throws, never waits. False when the buffer is full and the event was dropped. */
  record(event: PendingEvent): boolean {
    if (this.buffer.length >= this.options.maxBuffered) {
      this.counters.dropped++;
      const now = Date.now();
      if (now - this.lastDropLog > 10_000) {
        this.lastDropLog = now;
        this.log.error({ dropped: this.counters.dropped, buffered: this.buffer.length }, 'event buffer full: dropping new events');
      }
      return false;
    }
    this.buffer.push(event);
    this.counters.recorded++;
    this.schedule(this.options.lingerMs);
    return true;
  }

  /** Writes everything buffered, waiting at most `deadlineMs`; resolves either way. */
  async flush(deadlineMs = 10_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    this.flushing = true;
    try {
      while (this.buffer.length > 0 && Date.now() < deadline) {
        this.clearTimer();
        await withDeadline(this.startDrain(), deadline);
        if (this.outage) await sleep(Math.min(this.retryDelay, Math.max(0, deadline - Date.now())));
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Graceful shutdown: stop the timer and flush what is buffered. */
  async close(deadlineMs = 10_000): Promise<void> {
    await this.flush(deadlineMs);
    this.closed = true;
    this.clearTimer();
    if (this.buffer.length > 0) {
      this.log.error({ lost: this.buffer.length }, 'shutdown: buffered events could not be written before the deadline');
    }
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

  /** True while requests keep the loop busy and the backlog is still small and young enough to wait. */
  private loopIsBusy(): boolean {
    const sample = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(sample, this.loopSample);
    this.loopSample = sample;
    return (
      since.utilization > this.options.busyUtilisation &&
      this.buffer.length < this.options.highWater &&
      Date.now() - this.buffer[0].at < this.options.maxDeferMs
    );
  }

  /** Starts the write loop unless it runs; `draining` is cleared only after it was set. */
  private startDrain(): Promise<void> {
    if (!this.draining) {
      this.draining = this.drain().then((wait) => {
        this.draining = null;
        if (this.buffer.length > 0) this.schedule(wait);
      });
    }
    return this.draining;
  }

  /** Writes batches until the buffer is empty; returns how long to wait before trying again. */
  private async drain(): Promise<number> {
    while (this.buffer.length > 0) {
      if (!this.flushing && this.loopIsBusy()) return BUSY_RECHECK_MS;
      const batch = this.buffer.slice(0, this.options.batchSize);
      // The id is fixed now, so a batch retried after an ambiguous failure
      // (committed, but the answer lost) is not stored or counted twice.
      for (const event of batch) event.id ??= randomUUID();
      try {
        await this.writeBatch(batch).catch((error: unknown) => {
          if (isTransient(error)) throw error;
          // Not the database's state but something in the batch: isolate the culprit.
          this.counters.writeFailures++;
          return this.writeOneByOne(batch);
        });
      } catch (error) {
        this.counters.writeFailures++;
        this.noteOutage(error);
        return this.retryDelay; // keep the batch; retry after the delay
      }
      this.buffer.splice(0, batch.length);
      if (this.outage) {
        this.outage = false;
        this.retryDelay = this.options.retryDelayMs;
        this.log.info({ buffered: this.buffer.length }, 'database reachable again: writing buffered events');
      }
    }
    return 0;
  }

  private noteOutage(error: unknown): void {
    if (!this.outage) {
      this.log.warn({ err: error, buffered: this.buffer.length }, 'cannot write events: keeping them buffered and retrying');
    }
    this.outage = true;
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.maxRetryDelayMs);
  }

  private async writeBatch(batch: PendingEvent[]): Promise<void> {
    const outcome = await this.db.transaction(async (manager) => {
      // Telemetry, not money: a database crash may lose the last instants of
      // commits, in exchange for not waiting on each WAL flush.
      await manager.query(`SET LOCAL statement_timeout = ${Math.floor(this.options.statementTimeoutMs)}; SET LOCAL synchronous_commit = off`);
      return writeEvents(manager, batch.map(toEventInput));
    });
    batch.forEach((event, index) => {
      if (!outcome.stored[index]) {
        if (outcome.withheld[index]) this.counters.withheld++;
        else this.counters.orphaned++;
        return;
      }
      this.counters.written++;
      if (outcome.counted[index]) this.counters.counted++;
      else if (event.bot) this.counters.bots++;
      else if (event.countable) this.counters.deduped++;
    });
  }

  private async writeOneByOne(batch: PendingEvent[]): Promise<void> {
    for (const event of batch) {
      try {
        await this.writeBatch([event]);
      } catch (error) {
        if (isTransient(error)) throw error;
        this.counters.dropped++;
        this.log.error({ err: error, sendId: event.sendId, kind: event.kind }, 'event could not be written: dropped');
      }
    }
  }
}
