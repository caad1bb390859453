// One segment as the journal tracks it: where its records are (copies in
// memory, the file, or, while the disk fails, event objects alone), how many
// events the writer took and how many are committed. A segment may go once it
// is sealed and everything in it is committed.
//
// Records kept in memory are bytes, not event objects: a backlog of objects
// would be traced by the garbage collector, and long-lived ones teach V8 to
// allocate every later event in the old generation, where garbage piles up.
import { unlink } from 'node:fs';
import type { PendingEvent } from '../event';
import { decodeEvent, EventDecodeError } from './event-codec';
import { scanRecords } from './record-framing';
import type { AppendableSegment } from './segment-file';
import { readRecords } from './segment-file';

export type SegmentSource =
  | { kind: 'memory'; chunks: Buffer[] } // the file's records, also held in memory until read
  | { kind: 'file' } // read back from the file
  | { kind: 'objects'; events: PendingEvent[] }; // no file: the disk failed

export class JournalSegment {
  /** taken by the writer */
  handedOut = 0;
  /** committed to PostgreSQL */
  acked = 0;
  /** next byte of the file to read, for records read from the file */
  readOffset = 0;
  /** read to its end: nothing more will come out of it */
  exhausted = false;
  readonly createdAt = Date.now();
  /** the time of its first event, once known */
  firstAt: number | null = null;
  /** the file offset where the first record kept in memory starts */
  private chunksAt = 0;

  constructor(
    /** null: no file (the disk failed) */
    readonly file: string | null,
    /** the open file while this is the segment being appended to */
    public appender: AppendableSegment | null,
    public source: SegmentSource,
    /** events in it: appended so far, or counted when adopted */
    public count: number,
    /** bytes of its file */
    public bytes: number,
    /** adopted from a process that is gone: some events may be stored already */
    readonly maybeRepeated: boolean,
  ) {}

  get sealed(): boolean {
    return this.appender === null;
  }

  /** Events the writer may still take. */
  get available(): number {
    return this.count - this.handedOut;
  }

  /** Sealed, read to its end and all of it committed. */
  get finished(): boolean {
    if (!this.sealed || this.acked !== this.handedOut) return false;
    return this.exhausted || this.handedOut >= this.count;
  }

  /**
   * Takes up to `max` events for the writer. Records that pass their
   * checksum but do not decode are skipped and reported, like damage.
   * Returns the events and the bytes of memory this released.
   */
  take(max: number, onSkipped: (bytes: number, undecodable: number) => void): { events: PendingEvent[]; releasedBytes: number } {
    const source = this.source;
    if (source.kind === 'objects') {
      const events = source.events.slice(this.handedOut, this.handedOut + max);
      this.handedOut += events.length;
      return { events, releasedBytes: 0 };
    }
    let payloads: Buffer[] = [];
    let skipped = 0;
    let releasedBytes = 0;
    if (source.kind === 'memory') {
      while (payloads.length < max && source.chunks.length > 0) {
        const chunk = source.chunks[0];
        const scan = scanRecords(chunk, this.readOffset, max - payloads.length, true);
        payloads = payloads.concat(scan.payloads);
        skipped += scan.skippedBytes;
        this.readOffset = scan.next;
        if (scan.next < chunk.length) break;
        source.chunks.shift();
        releasedBytes += chunk.length;
        this.chunksAt += chunk.length;
        this.readOffset = 0;
      }
    } else if (this.file !== null && !this.exhausted) {
      try {
        const read = readRecords(this.file, this.readOffset, this.bytes, max, this.sealed);
        payloads = read.payloads;
        skipped = read.skippedBytes;
        this.readOffset = read.next;
        if (this.sealed && this.readOffset >= this.bytes) this.exhausted = true;
      } catch (error) {
        // The file went away or cannot be read (someone removed the spool
        // directory): what it held is lost, reported as skipped bytes.
        if (!this.sealed) throw error;
        skipped = this.bytes - this.readOffset;
        this.readOffset = this.bytes;
        this.exhausted = true;
      }
    }
    const events = this.decode(payloads, skipped, onSkipped);
    if (source.kind === 'memory' && this.sealed && source.chunks.length === 0) this.exhausted = true;
    if (this.exhausted) this.count = this.handedOut;
    return { events, releasedBytes };
  }

  /** Keeps a copy of records just appended to the file at `fileOffset`, for the writer. */
  keep(records: Buffer, fileOffset: number): void {
    if (this.source.kind !== 'memory') return;
    if (this.source.chunks.length === 0) {
      this.chunksAt = fileOffset;
      this.readOffset = 0;
    }
    this.source.chunks.push(Buffer.from(records));
  }

  /** Stops keeping the records in memory (the journal needs the room): what is left is read from the file. */
  spill(): number {
    if (this.source.kind !== 'memory') return 0;
    const released = this.source.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    // Where reading stopped in the first chunk held, as a file offset; with
    // no chunk held, everything kept so far was read.
    this.readOffset = this.source.chunks.length === 0 ? this.chunksAt : this.chunksAt + this.readOffset;
    this.source = { kind: 'file' };
    return released;
  }

  private decode(payloads: Buffer[], skippedBytes: number, onSkipped: (bytes: number, undecodable: number) => void): PendingEvent[] {
    const events: PendingEvent[] = [];
    let undecodable = 0;
    for (const payload of payloads) {
      try {
        events.push(decodeEvent(payload));
      } catch (error) {
        if (!(error instanceof EventDecodeError)) throw error;
        undecodable++;
      }
    }
    if (skippedBytes > 0 || undecodable > 0) onSkipped(skippedBytes, undecodable);
    // What cannot be decoded will never be taken: it no longer counts.
    this.count -= undecodable;
    this.handedOut += events.length;
    return events;
  }

  /**
   * The time of the oldest event not yet committed: for objects, exact; else
   * the segment's first event's (an upper bound of the age, without reading).
   */
  oldestPendingAt(): number | null {
    if (this.acked >= this.count) return null;
    if (this.source.kind === 'objects') return this.source.events[this.acked]?.at ?? null;
    return this.firstAt;
  }

  /** Deletes the file in the background; errors go to `onError`. */
  remove(onError: (error: Error) => void): void {
    if (this.file === null) return;
    unlink(this.file, (error) => {
      if (error && error.code !== 'ENOENT') onError(error);
    });
  }
}
