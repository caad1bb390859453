// The journal's record framing, as in LevelDB's log format: each record is a
// fixed header (a magic number, the payload's length and its CRC-32) and the
// payload. A reader can then tell a whole record from a torn or damaged one,
// and find the next record after damage by looking for the magic number.
// Pure: no I/O.
import { crc32 } from 'node:zlib';

/** Marks the start of every record; "ETJ1" read as a little-endian u32. */
export const RECORD_MAGIC = 0x314a5445;
export const HEADER_BYTES = 12;
/** No event comes near this; a length above it is damage, not a record. */
export const MAX_PAYLOAD_BYTES = 1 << 20;

/** Writes the header for `payload`, which already sits at `buffer[start + HEADER_BYTES ...end)`. */
export function frameInPlace(buffer: Buffer, start: number, end: number): void {
  const length = end - start - HEADER_BYTES;
  buffer.writeUInt32LE(RECORD_MAGIC, start);
  buffer.writeUInt32LE(length, start + 4);
  buffer.writeUInt32LE(crc32(buffer.subarray(start + HEADER_BYTES, end)), start + 8);
}

export interface ScanResult {
  payloads: Buffer[];
  /** offset just past the last whole record or skipped damage: where the next scan starts */
  next: number;
  /** bytes skipped as damage: a bad checksum or length, or (with `complete`) a torn last record */
  skippedBytes: number;
}

function isRecordAt(buffer: Buffer, offset: number): 'whole' | 'partial' | 'bad' {
  if (offset + HEADER_BYTES > buffer.length) return buffer.length - offset < 4 || buffer.readUInt32LE(offset) === RECORD_MAGIC ? 'partial' : 'bad';
  if (buffer.readUInt32LE(offset) !== RECORD_MAGIC) return 'bad';
  const length = buffer.readUInt32LE(offset + 4);
  if (length > MAX_PAYLOAD_BYTES) return 'bad';
  const end = offset + HEADER_BYTES + length;
  if (end > buffer.length) return 'partial';
  return crc32(buffer.subarray(offset + HEADER_BYTES, end)) === buffer.readUInt32LE(offset + 8) ? 'whole' : 'bad';
}

/**
 * Reads whole records from `offset` on, at most `maxRecords`. Damage (a bad
 * magic number, length or checksum) is skipped up to the next whole record.
 * Bytes ending inside a record stop the scan there, to be read again with
 * what follows, unless `complete` says nothing follows: then they are a torn
 * tail, skipped like damage.
 */
export function scanRecords(buffer: Buffer, offset: number, maxRecords: number, complete: boolean): ScanResult {
  const payloads: Buffer[] = [];
  let at = offset;
  let skippedBytes = 0;
  while (payloads.length < maxRecords && at < buffer.length) {
    const state = isRecordAt(buffer, at);
    if (state === 'partial' && !complete) break;
    if (state !== 'whole') {
      const resync = findNextRecord(buffer, at + 1, complete);
      skippedBytes += resync - at;
      at = resync;
      continue;
    }
    const end = at + HEADER_BYTES + buffer.readUInt32LE(at + 4);
    payloads.push(buffer.subarray(at + HEADER_BYTES, end));
    at = end;
  }
  return { payloads, next: at, skippedBytes };
}

const MAGIC_BYTES = Buffer.from([RECORD_MAGIC & 0xff, (RECORD_MAGIC >>> 8) & 0xff, (RECORD_MAGIC >>> 16) & 0xff, RECORD_MAGIC >>> 24]);

/** The next offset where a whole record starts (or, unless `complete`, may start), else the end. */
function findNextRecord(buffer: Buffer, from: number, complete: boolean): number {
  let at = buffer.indexOf(MAGIC_BYTES, from);
  while (at !== -1) {
    const state = isRecordAt(buffer, at);
    if (state === 'whole' || (state === 'partial' && !complete)) return at;
    at = buffer.indexOf(MAGIC_BYTES, at + 1);
  }
  // Unless complete, the last bytes may begin a record whose magic is cut short.
  return complete ? buffer.length : Math.max(from, buffer.length - 3);
}
