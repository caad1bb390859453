// The file side of one journal segment: appending whole records with one
// write per batch of records, syncing without blocking the event loop, and
// reading records back from an offset. A segment's file is named by its
// sequence number; the journal decides when to open, seal and delete one.
import { close, closeSync, fdatasync, fdatasyncSync, fsync, ftruncateSync, openSync, readSync, readdirSync, writeSync } from 'node:fs';
import path from 'node:path';
import { scanRecords } from './record-framing';

export const SEGMENT_SUFFIX = '.seg';

export const segmentName = (seq: number) => `${String(seq).padStart(12, '0')}${SEGMENT_SUFFIX}`;

/** Every segment file under `dir`, adopted directories included, in order. */
export function listSegmentFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(SEGMENT_SUFFIX)) found.push(full);
    }
  };
  walk(dir);
  return found;
}

/** A segment open for appending. Writes are synchronous (into the page cache); syncs are not. */
export class AppendableSegment {
  /** bytes in the file, all of them whole records */
  bytes = 0;
  private synced = 0;
  private syncing = false;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly fd: number,
  ) {}

  static create(dir: string, seq: number): AppendableSegment {
    const file = path.join(dir, segmentName(seq));
    const segment = new AppendableSegment(file, openSync(file, 'wx'));
    // The new name must survive a machine crash too: sync the directory.
    syncDirectory(dir);
    return segment;
  }

  /**
   * Appends whole records. On a failure (a full disk, a vanished directory)
   * the file is cut back to its last whole record and the error is thrown:
   * the caller keeps the events elsewhere.
   */
  append(records: Buffer): void {
    let written = 0;
    try {
      while (written < records.length) written += writeSync(this.fd, records, written, records.length - written);
    } catch (error) {
      try {
        ftruncateSync(this.fd, this.bytes);
      } catch {
        // nothing more to do: a reader stops at the torn record anyway
      }
      throw error;
    }
    this.bytes += records.length;
  }

  /** Starts an fdatasync if bytes were written since the last one; never waits. */
  sync(onError: (error: Error) => void): void {
    if (this.syncing || this.closed || this.synced === this.bytes) return;
    this.syncing = true;
    const target = this.bytes;
    fdatasync(this.fd, (error) => {
      this.syncing = false;
      if (error) onError(error);
      else this.synced = Math.max(this.synced, target);
    });
  }

  /** Synchronous sync, for shutdown. */
  syncNow(): void {
    if (this.closed || this.synced === this.bytes) return;
    fdatasyncSync(this.fd);
    this.synced = this.bytes;
  }

  /** No more appends: sync and close (in the background). */
  seal(onError: (error: Error) => void): void {
    if (this.closed) return;
    this.closed = true;
    const fd = this.fd;
    fdatasync(fd, (error) => {
      if (error) onError(error);
      close(fd, () => undefined);
    });
  }

  /** Closes at once, for shutdown after syncNow. */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsync(fd, () => {
      if (fd !== null) close(fd, () => undefined);
    });
  } catch {
    if (fd !== null) closeSync(fd);
  }
}

export interface ReadRecords {
  payloads: Buffer[];
  /** where the next read starts */
  next: number;
  /** bytes skipped as damage or a torn tail */
  skippedBytes: number;
}

const READ_CHUNK = 1 << 20;

/**
 * Reads up to `maxRecords` whole records of `file` from `offset`, not past
 * `limit` bytes. `complete`: the file will not grow (sealed, or left by a
 * process that is gone), so a record cut short at its end is a torn tail.
 */
export function readRecords(file: string, offset: number, limit: number, maxRecords: number, complete: boolean): ReadRecords {
  const fd = openSync(file, 'r');
  try {
    const payloads: Buffer[] = [];
    let at = offset;
    let skippedBytes = 0;
    let chunk = READ_CHUNK;
    while (payloads.length < maxRecords && at < limit) {
      const length = Math.min(chunk, limit - at);
      const buffer = Buffer.allocUnsafe(length);
      const read = readSync(fd, buffer, 0, length, at);
      if (read === 0) break; // shorter than we were told: nothing more to read
      const last = at + read >= limit;
      const scan = scanRecords(buffer.subarray(0, read), 0, maxRecords - payloads.length, complete && last);
      payloads.push(...scan.payloads);
      skippedBytes += scan.skippedBytes;
      if (scan.next === 0 && !last) {
        chunk *= 2; // one record larger than the chunk
        continue;
      }
      at += scan.next;
      if (scan.next < read && scan.payloads.length === 0 && last) break; // the rest is a partial record of a growing file
    }
    return { payloads, next: at, skippedBytes };
  } finally {
    closeSync(fd);
  }
}
