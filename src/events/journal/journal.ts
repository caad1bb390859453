// The event journal: every answered pixel and click is appended to a segment
// file on local disk in the same tick as its answer (or the next), synced at
// least every 200 ms, and handed to the writer from there. A segment goes once
// everything in it is committed. While the disk fails, events wait in a
// bounded memory buffer instead; past the disk bound, new events are dropped.
// The recorder is its one caller.
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger';
import type { PendingEvent } from '../event';
import { decodeEvent, encodeEvent, maxEncodedBytes } from './event-codec';
import { JournalSegment } from './journal-segment';
import { frameInPlace, HEADER_BYTES } from './record-framing';
import { AppendableSegment, listSegmentFiles, readRecords } from './segment-file';
import { claimSpoolDirectory, HEARTBEAT_MS, type SpoolDirectory } from './spool-directory';
import { removeEmptyAdoptedDirectories } from './adopted-directories';

export interface JournalOptions {
  /** EMAIL_TRACKING_SPOOL_DIR: this process takes its own directory under it */
  root: string;
  /** EMAIL_TRACKING_SPOOL_MAX_MB, in bytes: the bound on the journal's files */
  maxBytes: number;
  /** a segment is sealed past this size */
  segmentBytes: number;
  /** bytes of records kept in memory for the writer besides their files; past it records are read back from disk */
  maxMemoryBytes: number;
  /** events kept in memory alone while the disk fails */
  maxFallbackEvents: number;
  /** at most this long between syncs of the segment being appended (the contract: 200 ms) */
  syncIntervalMs: number;
  /** after a disk failure, how soon a new segment file is tried */
  diskRetryMs: number;
  /** how often directories of processes that are gone are looked for */
  adoptIntervalMs: number;
}

export const defaultJournalOptions: Omit<JournalOptions, 'root' | 'maxBytes'> = {
  segmentBytes: 8 << 20,
  maxMemoryBytes: 32 << 20,
  maxFallbackEvents: 100_000,
  syncIntervalMs: 100,
  diskRetryMs: 5_000,
  adoptIntervalMs: 10_000,
};

export type AppendOutcome = 'journaled' | 'dropped';

/** Events handed to the writer: acknowledge them once committed. */
export interface JournalBatch {
  events: PendingEvent[];
  /** some may be stored already (adopted segments): insert idempotently */
  maybeRepeated: boolean;
  parts: { segment: JournalSegment; count: number }[];
}

export interface JournalCounters {
  /** events kept in memory only because the disk failed */
  unjournaled: number;
  /** events dropped: the disk bound, or the memory fallback's */
  dropped: number;
  /** events adopted from directories of processes that are gone */
  adopted: number;
  /** bytes skipped as damage or torn tails */
  skippedBytes: number;
}

export class Journal {
  readonly counters: JournalCounters = { unjournaled: 0, dropped: 0, adopted: 0, skippedBytes: 0 };
  private readonly segments: JournalSegment[] = [];
  private active: JournalSegment | null = null;
  private nextSeq = 1;
  private diskBytes = 0;
  /** bytes of records kept in memory besides their files, not yet read by the writer */
  private memoryBytes = 0;
  private pending: PendingEvent[] = [];
  private buffer = Buffer.allocUnsafe(256 << 10);
  private used = 0;
  private flushScheduled = false;
  private diskFailedAt: number | null = null;
  private fallback: JournalSegment | null = null;
  /** events held in memory alone (the disk failed), in any fallback segment, not yet committed: the fallback's bound counts these */
  private unjournaledWaiting = 0;
  private lastFallbackDropLog = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  private constructor(
    private readonly spool: SpoolDirectory,
    private readonly options: JournalOptions,
    private readonly log: Logger,
    /** called when events become available to the writer */
    private readonly onAvailable: () => void,
  ) {}

  /** Takes a directory under the root and adopts what processes that are gone left; throws when the root is unusable. */
  static open(options: JournalOptions, log: Logger, onAvailable: () => void): Journal {
    const journal = new Journal(claimSpoolDirectory(options.root), options, log, onAvailable);
    journal.adopt();
    const every = (ms: number, run: () => void) => {
      const timer = setInterval(run, ms);
      timer.unref();
      journal.timers.push(timer);
    };
    every(options.syncIntervalMs, () => journal.active?.appender?.sync((error) => journal.diskFailed(error)));
    every(HEARTBEAT_MS, () => journal.heartbeat());
    every(options.adoptIntervalMs, () => journal.adopt());
    return journal;
  }

  get directory(): string {
    return this.spool.dir;
  }

  /** Events not yet committed, journaled or in the memory fallback. */
  get waiting(): number {
    return this.pending.length + this.segments.reduce((sum, segment) => sum + segment.count - segment.acked, 0);
  }

  get bytes(): number {
    return this.diskBytes + this.used;
  }

  /** The time of the oldest event not yet committed, when known without reading the disk. */
  oldestWaitingAt(): number | null {
    let oldest: number | null = null;
    for (const segment of this.segments) {
      const at = segment.oldestPendingAt();
      if (at !== null && (oldest === null || at < oldest)) oldest = at;
    }
    const first = this.pending[0]?.at;
    return first !== undefined && (oldest === null || first < oldest) ? first : oldest;
  }

  /** Appends an event; it reaches the file by the next tick. O(1), never throws. */
  append(event: PendingEvent): AppendOutcome {
    if (this.closed) return this.drop();
    if (this.diskFailedAt !== null && !this.retryDisk()) return this.keepInMemory([event]) ? 'journaled' : 'dropped';
    const room = HEADER_BYTES + maxEncodedBytes(event);
    if (this.diskBytes + this.used + room > this.options.maxBytes) return this.drop();
    if (this.used + room > this.buffer.length) this.growBuffer(this.used + room);
    const end = encodeEvent(event, this.buffer, this.used + HEADER_BYTES);
    frameInPlace(this.buffer, this.used, end);
    this.used = end;
    this.pending.push(event);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return 'journaled';
  }

  /** Writes what was appended since the last flush to the segment file: one write. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const events = this.pending;
    const records = this.buffer.subarray(0, this.used);
    this.pending = [];
    try {
      const segment = this.segmentToAppend();
      segment.appender?.append(records);
      const at = segment.bytes;
      segment.firstAt ??= events[0].at;
      segment.count += events.length;
      segment.bytes += records.length;
      this.diskBytes += records.length;
      if (segment.source.kind === 'memory') {
        if (this.memoryBytes + records.length <= this.options.maxMemoryBytes) {
          segment.keep(records, at);
          this.memoryBytes += records.length;
        } else {
          this.memoryBytes -= segment.spill();
        }
      }
      if (segment.bytes >= this.options.segmentBytes) this.seal(segment);
    } catch (error) {
      this.diskFailed(error as Error);
      this.keepInMemory(events);
    } finally {
      this.used = 0;
      if (this.buffer.length > 1 << 20) this.buffer = Buffer.allocUnsafe(256 << 10);
    }
    this.onAvailable();
  }

  /** Up to `max` events for the writer, oldest segments first; null when there is nothing to write. */
  takeBatch(max: number): JournalBatch | null {
    const batch: JournalBatch = { events: [], maybeRepeated: false, parts: [] };
    for (const segment of this.segments) {
      if (batch.events.length >= max) break;
      if (segment.available <= 0) continue;
      const { events, releasedBytes } = segment.take(max - batch.events.length, (bytes, undecodable) => this.noteDamage(segment, bytes, undecodable));
      this.memoryBytes -= releasedBytes;
      if (events.length === 0) continue;
      batch.events.push(...events);
      batch.parts.push({ segment, count: events.length });
      if (segment.maybeRepeated) batch.maybeRepeated = true;
    }
    this.removeFinished();
    return batch.events.length === 0 ? null : batch;
  }

  /** The batch is committed: its segments may go. */
  ack(batch: JournalBatch): void {
    for (const { segment, count } of batch.parts) {
      segment.acked += count;
      if (segment.source.kind === 'objects') this.unjournaledWaiting -= count;
    }
    // A fully committed segment kept open would only be replayed after a crash.
    const active = this.active;
    if (active && active.acked === active.count && active.count > 0 && Date.now() - active.createdAt > 1_000) this.seal(active);
    this.removeFinished();
  }

  /** Writes what is appended and waits for it to reach the disk. */
  sync(): void {
    this.flush();
    try {
      this.active?.appender?.syncNow();
    } catch (error) {
      this.log.error({ err: error }, 'journal: sync failed');
    }
  }

  /** Shutdown: write what is appended, sync it, close the files. Returns the events left for the next process. */
  close(): number {
    this.flush();
    for (const timer of this.timers) clearInterval(timer);
    this.closed = true;
    const active = this.active;
    if (active?.appender) {
      try {
        active.appender.syncNow();
      } catch (error) {
        this.log.error({ err: error }, 'journal: final sync failed');
      }
      active.appender.closeNow();
      active.appender = null;
      this.active = null;
    }
    this.removeFinished();
    const left = this.waiting;
    const inMemory = this.unjournaledWaiting;
    if (inMemory > 0) this.log.error({ lost: inMemory }, 'journal: events kept in memory while the disk failed are lost at shutdown');
    if (left === 0) this.spool.release();
    return left - inMemory;
  }

  private drop(): AppendOutcome {
    this.counters.dropped++;
    return 'dropped';
  }

  private growBuffer(size: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(size, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.used);
    this.buffer = bigger;
  }

  private segmentToAppend(): JournalSegment {
    if (this.active) return this.active;
    const appender = AppendableSegment.create(this.spool.dir, this.nextSeq++);
    const inMemory = this.memoryBytes < this.options.maxMemoryBytes;
    const segment = new JournalSegment(appender.file, appender, inMemory ? { kind: 'memory', chunks: [] } : { kind: 'file' }, 0, 0, false);
    this.segments.push(segment);
    this.active = segment;
    return segment;
  }

  private seal(segment: JournalSegment): void {
    segment.appender?.seal((error) => this.log.warn({ err: error }, 'journal: sync of a sealed segment failed'));
    segment.appender = null;
    if (this.active === segment) this.active = null;
  }

  private removeFinished(): void {
    let removed = false;
    for (let index = this.segments.length - 1; index >= 0; index--) {
      const segment = this.segments[index];
      if (!segment.finished) continue;
      this.segments.splice(index, 1);
      if (segment.file !== null) this.diskBytes -= segment.bytes;
      if (segment.source.kind === 'memory') this.memoryBytes -= segment.spill();
      if (this.fallback === segment) this.fallback = null;
      segment.remove((error) => this.log.warn({ err: error }, 'journal: a written segment could not be removed'));
      removed = true;
    }
    if (removed) removeEmptyAdoptedDirectories(this.spool.dir, this.segments.map((segment) => segment.file));
  }

  private diskFailed(error: Error): void {
    if (this.diskFailedAt === null) {
      this.log.error({ err: error }, 'journal: cannot write to the spool directory; keeping new events in memory (bounded) and retrying');
    }
    this.diskFailedAt = Date.now();
    if (this.active) this.seal(this.active);
  }

  /** After a disk failure: whether the disk may be tried again now. */
  private retryDisk(): boolean {
    if (this.diskFailedAt === null) return true;
    if (Date.now() - this.diskFailedAt < this.options.diskRetryMs) return false;
    this.diskFailedAt = null;
    this.fallback = null; // later memory-only events start a new segment after the disk ones
    this.log.info('journal: trying the spool directory again');
    return true;
  }

  private keepInMemory(events: PendingEvent[]): boolean {
    let fallback = this.fallback;
    if (fallback === null) {
      fallback = new JournalSegment(null, null, { kind: 'objects', events: [] }, 0, 0, false);
      this.segments.push(fallback);
      this.fallback = fallback;
    }
    // One bound for every fallback segment: each retry of the disk that fails again starts another.
    const room = Math.max(0, this.options.maxFallbackEvents - this.unjournaledWaiting);
    const kept = events.slice(0, room);
    if (fallback.source.kind === 'objects') fallback.source.events.push(...kept);
    fallback.count += kept.length;
    fallback.firstAt ??= kept[0]?.at ?? null;
    this.counters.unjournaled += kept.length;
    this.unjournaledWaiting += kept.length;
    if (kept.length < events.length) {
      this.counters.dropped += events.length - kept.length;
      const now = Date.now();
      if (now - this.lastFallbackDropLog > 10_000) {
        this.lastFallbackDropLog = now;
        this.log.error({ dropped: this.counters.dropped, kept: this.unjournaledWaiting }, 'journal: the disk fails and the memory fallback is full: dropping events');
      }
    }
    return kept.length === events.length;
  }

  private noteDamage(segment: JournalSegment, bytes: number, undecodable: number): void {
    this.counters.skippedBytes += bytes;
    this.log.warn({ segment: segment.file, skippedBytes: bytes, undecodable }, 'journal: skipped a torn or damaged record');
  }

  private heartbeat(): void {
    try {
      this.spool.beat();
    } catch (error) {
      this.log.warn({ err: error }, 'journal: cannot touch the owner file');
    }
  }

  /** Takes over the directories of processes that are gone; their segments are written like our own. */
  private adopt(): void {
    let adoptedEvents = 0;
    for (const dir of this.spool.adoptOrphans()) {
      let events = 0;
      for (const file of listSegmentFiles(dir)) {
        const bytes = statSync(file).size;
        const { payloads } = readRecords(file, 0, bytes, Infinity, true);
        const segment = new JournalSegment(file, null, { kind: 'file' }, payloads.length, bytes, true);
        segment.firstAt = firstEventTime(payloads);
        this.segments.unshift(segment);
        this.diskBytes += bytes;
        events += payloads.length;
      }
      adoptedEvents += events;
      this.log.info({ directory: path.basename(dir), events }, 'journal: adopted the directory of a process that is gone');
    }
    this.counters.adopted += adoptedEvents;
    if (adoptedEvents > 0) this.onAvailable();
    this.removeFinished();
  }
}

function firstEventTime(payloads: Buffer[]): number | null {
  for (const payload of payloads) {
    try {
      return decodeEvent(payload).at;
    } catch {
      // an undecodable record: try the next (the writer skips and logs it)
    }
  }
  return null;
}
