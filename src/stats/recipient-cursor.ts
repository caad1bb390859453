// Recipient cursors: a row's place in the newest-first order (its send time
// to the microsecond, then its id), sealed with an HMAC bound to the
// organisation and the list (campaign or template id) it came from. A cursor
// that was garbled, forged, or minted for another organisation or list fails
// the check and is refused as bad input, so `after` can never reach a row the
// SQL scope would not give anyway, and never names another list's position.
// Pure: no I/O.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { badInput } from '../errors';

/** Where a page ends: the last row's send time (µs since the epoch, as PostgreSQL keeps it) and send id. */
export interface RecipientPosition {
  sentMicros: bigint;
  sendId: string;
}

/** The list a cursor belongs to. */
export interface CursorBinding {
  orgId: string;
  kind: 'campaign' | 'template';
  /** the campaign or template id as the API names it ("ad-hoc" included) */
  id: string;
}

const VERSION = 1;
const MAC_BYTES = 16;
// version, send time, send id, MAC
const LENGTH = 1 + 8 + 16 + MAC_BYTES;

const BODY = LENGTH - MAC_BYTES;

export class RecipientCursors {
  private readonly key: KeyObject;
  /** each binding's bytes, encoded once: a page mints a cursor per row */
  private readonly encoded = new WeakMap<CursorBinding, string>();

  /** `secret`: TRACKING_SIGNING_SECRET; the cursor key is derived from it, so no token key is ever used twice. */
  constructor(secret: string) {
    this.key = createSecretKey(createHmac('sha256', secret).update('stats:recipient-cursor:v1').digest());
  }

  encode(binding: CursorBinding, position: RecipientPosition): string {
    const bytes = Buffer.alloc(LENGTH);
    bytes.writeUInt8(VERSION, 0);
    bytes.writeBigInt64BE(position.sentMicros, 1);
    bytes.write(position.sendId.replace(/-/g, ''), 9, 'hex');
    this.mac(binding, bytes.subarray(0, BODY)).copy(bytes, BODY);
    return bytes.toString('base64url');
  }

  /** The position a cursor names; BAD_USER_INPUT unless this server minted it for exactly this list. */
  decode(binding: CursorBinding, cursor: string): RecipientPosition {
    const bytes = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url') : Buffer.alloc(0);
    if (bytes.length !== LENGTH || bytes.readUInt8(0) !== VERSION) throw badInput('after: not a recipient cursor');
    const body = bytes.subarray(0, BODY);
    if (!timingSafeEqual(bytes.subarray(BODY), this.mac(binding, body))) {
      throw badInput('after: this cursor does not belong to this list of recipients');
    }
    const hex = body.subarray(9).toString('hex');
    const sendId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return { sentMicros: body.readBigInt64BE(1), sendId };
  }

  private mac(binding: CursorBinding, body: Buffer): Buffer {
    let parts = this.encoded.get(binding);
    if (parts === undefined) {
      // Lengths first, so no two bindings can run together into the same bytes.
      parts = [binding.orgId, binding.kind, binding.id].map((part) => `${Buffer.byteLength(part)}:${part}`).join('|');
      this.encoded.set(binding, parts);
    }
    return createHmac('sha256', this.key).update(parts).update(body).digest().subarray(0, MAC_BYTES);
  }
}

/** A send time in µs as a timestamptz literal PostgreSQL reads exactly (a JavaScript Date keeps only ms). */
export function microsToTimestamp(micros: bigint): string {
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = micros - millis * 1000n;
  return `${new Date(Number(millis)).toISOString().slice(0, -1)}${rest.toString().padStart(3, '0')}Z`;
}
