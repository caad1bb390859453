// One pending event as the bytes of a journal record, and back. Binary and
// fixed-order: a pixel event is about 100 bytes plus its user agent and URL,
// and encoding it costs less than the request that produced it. Pure.
import type { BotReason, EventSource, PendingEvent } from '../event';

const SOURCES: readonly EventSource[] = ['PIXEL', 'REDIRECT', 'WEBHOOK'];
const REASONS: readonly (BotReason | null)[] = [null, 'USER_AGENT', 'NETWORK', 'BURST', 'TRAP', 'MAILGUN'];

const CLICK = 1;
const COUNTABLE = 1 << 3;
const BOT = 1 << 4;
const MPP = 1 << 5;
const HAS_IP = 1 << 6;
const HAS_POSITION = 1 << 7;
const NO_STRING = 0xffffffff;
/**
 * Optional sections after the user agent, each a tag byte and its value.
 * Records written before they existed simply end after the user agent, and
 * still decode; an event without hints is encoded byte for byte as before.
 */
const REQUESTED_WITH_TAG = 1;
const UUID_BYTES = 36;

/** Upper bound of an event's encoded size, for sizing the buffer it is written into. */
export function maxEncodedBytes(event: PendingEvent): number {
  // flags, reason, time, id, send id, ip hash, position, three lengths; strings at most 3 bytes per UTF-16 unit
  const requestedWith = event.clientHints?.requestedWith?.length;
  const hints = requestedWith === undefined ? 0 : 1 + 4 + 3 * requestedWith;
  return 2 + 8 + 2 * UUID_BYTES + 16 + 4 + 12 + 3 * (event.orgId.length + (event.url?.length ?? 0) + (event.userAgent?.length ?? 0)) + hints;
}

function writeString(buffer: Buffer, at: number, value: string | null): number {
  if (value === null) {
    buffer.writeUInt32LE(NO_STRING, at);
    return at + 4;
  }
  const length = buffer.write(value, at + 4, 'utf8');
  buffer.writeUInt32LE(length, at);
  return at + 4 + length;
}

/** Writes the event at `at` (room for maxEncodedBytes is the caller's); returns the offset after it. */
export function encodeEvent(event: PendingEvent, buffer: Buffer, at: number): number {
  let flags = event.kind === 'CLICK' ? CLICK : 0;
  flags |= SOURCES.indexOf(event.source) << 1;
  if (event.countable) flags |= COUNTABLE;
  if (event.bot) flags |= BOT;
  if (event.mpp) flags |= MPP;
  if (event.ipHashHex !== null) flags |= HAS_IP;
  if (event.linkPosition !== null) flags |= HAS_POSITION;
  buffer[at] = flags;
  buffer[at + 1] = REASONS.indexOf(event.botReason);
  buffer.writeDoubleLE(event.at, at + 2);
  let next = at + 10;
  next += buffer.write(event.id ?? '', next, UUID_BYTES, 'latin1');
  next += buffer.write(event.sendId, next, UUID_BYTES, 'latin1');
  if (event.ipHashHex !== null) next += buffer.write(event.ipHashHex, next, 16, 'hex');
  if (event.linkPosition !== null) {
    buffer.writeUInt32LE(event.linkPosition, next);
    next += 4;
  }
  next = writeString(buffer, next, event.orgId);
  next = writeString(buffer, next, event.url);
  next = writeString(buffer, next, event.userAgent);
  const requestedWith = event.clientHints?.requestedWith;
  if (requestedWith) {
    buffer[next] = REQUESTED_WITH_TAG;
    next = writeString(buffer, next + 1, requestedWith);
  }
  return next;
}

export class EventDecodeError extends Error {}

/** Reads an event back; throws EventDecodeError for bytes that are not one (a record that passed its checksum but not this). */
export function decodeEvent(payload: Buffer): PendingEvent {
  let at = 0;
  const need = (bytes: number) => {
    if (at + bytes > payload.length) throw new EventDecodeError('journal record ends early');
  };
  const readString = (): string | null => {
    need(4);
    const length = payload.readUInt32LE(at);
    at += 4;
    if (length === NO_STRING) return null;
    need(length);
    const value = payload.toString('utf8', at, at + length);
    at += length;
    return value;
  };
  need(10 + 2 * UUID_BYTES);
  const flags = payload[0];
  const source = SOURCES[(flags >> 1) & 3];
  const botReason = REASONS[payload[1]];
  if (source === undefined || botReason === undefined) throw new EventDecodeError('journal record has an unknown source or reason');
  const time = payload.readDoubleLE(2);
  at = 10;
  const id = payload.toString('latin1', at, at + UUID_BYTES);
  const sendId = payload.toString('latin1', at + UUID_BYTES, at + 2 * UUID_BYTES);
  at += 2 * UUID_BYTES;
  let ipHashHex: string | null = null;
  if (flags & HAS_IP) {
    need(16);
    ipHashHex = payload.toString('hex', at, at + 16);
    at += 16;
  }
  let linkPosition: number | null = null;
  if (flags & HAS_POSITION) {
    need(4);
    linkPosition = payload.readUInt32LE(at);
    at += 4;
  }
  const orgId = readString();
  const url = readString();
  const userAgent = readString();
  let requestedWith: string | null = null;
  if (at < payload.length && payload[at] === REQUESTED_WITH_TAG) {
    at += 1;
    requestedWith = readString();
  }
  if (orgId === null || at !== payload.length) throw new EventDecodeError('journal record is not an event');
  const event: PendingEvent = {
    orgId,
    sendId,
    kind: flags & CLICK ? 'CLICK' : 'OPEN',
    source,
    at: time,
    countable: (flags & COUNTABLE) !== 0,
    bot: (flags & BOT) !== 0,
    botReason,
    mpp: (flags & MPP) !== 0,
    linkPosition,
    url,
    userAgent,
    ipHashHex,
    id,
  };
  if (requestedWith !== null) event.clientHints = { requestedWith };
  return event;
}
