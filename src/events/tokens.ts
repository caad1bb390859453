// Pixel, click and trap tokens: the payload itself (organisation, send, link
// position and, for clicks, the original URL) followed by a 128-bit
// HMAC-SHA256 tag, base64url-encoded. The redirect needs no database to find
// its URL, and a token that fails verification costs no query. Only
// [A-Za-z0-9_-] appear.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface OpenToken {
  kind: 'open';
  orgId: string;
  sendId: string;
}

export interface ClickToken {
  kind: 'click';
  orgId: string;
  sendId: string;
  position: number;
  url: string;
}

/** The hidden trap link of a send (contract section 3 rule 4): only machines follow it. */
export interface TrapToken {
  kind: 'trap';
  orgId: string;
  sendId: string;
}

export type TrackingToken = OpenToken | ClickToken | TrapToken;

const OPEN = 0x01;
const CLICK = 0x02;
// Signed like the others, so a trap cannot be forged to brand a send's clients machines.
const TRAP = 0x03;
const TAG_BYTES = 16;
/** Longer tokens are refused before any decoding work (URLs over ~12 KB are not links). */
export const MAX_TOKEN_LENGTH = 16_384;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;

function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error('send id must be a uuid');
  return Buffer.from(hex, 'hex');
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function writeVarint(value: number, out: number[]): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/** Reads a varint at `offset`; returns [value, next offset] or null when malformed. */
function readVarint(bytes: Buffer, offset: number): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < bytes.length && i < offset + 4; i++) {
    value += (bytes[i] & 0x7f) * scale;
    if ((bytes[i] & 0x80) === 0) return [value, i + 1];
    scale *= 0x80;
  }
  return null;
}

export class TokenCodec {
  private readonly key: KeyObject;

  constructor(secret: string) {
    // A key of its own, so the raw secret never signs anything directly; a
    // KeyObject spares every request the key set-up.
    this.key = createSecretKey(createHmac('sha256', secret).update('tracking-token-v1').digest());
  }

  encodeOpen(orgId: string, sendId: string): string {
    return this.seal(this.header(OPEN, orgId, sendId));
  }

  encodeTrap(orgId: string, sendId: string): string {
    return this.seal(this.header(TRAP, orgId, sendId));
  }

  encodeClick(orgId: string, sendId: string, position: number, url: string): string {
    const bytes = this.header(CLICK, orgId, sendId);
    writeVarint(position, bytes);
    return this.seal(bytes, Buffer.from(url, 'utf8'));
  }

  /** The token's contents, or null when it is malformed, too long or not ours. */
  decode(token: string): TrackingToken | null {
    if (token.length > MAX_TOKEN_LENGTH || token.length < 24 || !TOKEN_PATTERN.test(token)) return null;
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length <= TAG_BYTES + 18) return null;
    const payload = bytes.subarray(0, bytes.length - TAG_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    if (!timingSafeEqual(tag, this.tag(payload))) return null;
    // From here on the payload is ours; the checks only guard against our own bugs.
    const kind = payload[0];
    const sendId = bytesToUuid(payload.subarray(1, 17));
    const orgLength = readVarint(payload, 17);
    if (!orgLength) return null;
    const orgEnd = orgLength[1] + orgLength[0];
    const orgId = payload.subarray(orgLength[1], orgEnd).toString('utf8');
    if (kind === OPEN && orgEnd === payload.length) return { kind: 'open', orgId, sendId };
    if (kind === TRAP && orgEnd === payload.length) return { kind: 'trap', orgId, sendId };
    if (kind !== CLICK) return null;
    const position = readVarint(payload, orgEnd);
    if (!position) return null;
    return { kind: 'click', orgId, sendId, position: position[0], url: payload.subarray(position[1]).toString('utf8') };
  }

  private header(kind: number, orgId: string, sendId: string): number[] {
    const org = Buffer.from(orgId, 'utf8');
    const bytes = [kind, ...uuidToBytes(sendId)];
    writeVarint(org.length, bytes);
    bytes.push(...org);
    return bytes;
  }

  private seal(header: number[], tail?: Buffer): string {
    const payload = tail ? Buffer.concat([Buffer.from(header), tail]) : Buffer.from(header);
    return Buffer.concat([payload, this.tag(payload)]).toString('base64url');
  }

  private tag(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, TAG_BYTES);
  }
}
