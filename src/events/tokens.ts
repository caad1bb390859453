// Pixel, click and trap tokens: the payload itself (organisation, send, link
// position and, for clicks, the original URL) followed by an HMAC-SHA256 tag,
// base64url-encoded. The redirect needs no database to find its URL, and a
// token that fails verification costs no query. Only [A-Za-z0-9_-] appear.
//
// Two formats, told apart by the payload's first byte, both decoded forever
// (emails live in inboxes for years); only the short one is minted:
// - first (0x01-0x03): kind || send id || org id as text || [position || URL as UTF-8], 128-bit tag;
// - short (0x80-0xFF): a header byte saying kind and how the org id and URL
//   are packed || send id || org id || [position || URL], 96-bit tag. Its
//   URL forms: UTF-8, codebook bytes, and codebook symbols in prefix codes
//   (the last added later; tokens of each form ever minted decode forever).
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { bytesToUuid, readOrgId, readVarint, uuidToBytes, writeOrgId, writeVarint } from './token-bytes';
import { decodeUrlText, encodeUrlText } from './url-codebook';
import { decodeUrlBits, encodeUrlBits } from './url-huffman';

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

// Kinds, as the first format writes them in its first byte and the short one in its header's bits 5-6.
const OPEN = 0x01;
const CLICK = 0x02;
// Signed like the others, so a trap cannot be forged to brand a send's clients machines.
const TRAP = 0x03;
const KINDS = [undefined, 'open', 'click', 'trap'] as const;

const FIRST_TAG_BYTES = 16;
/** 96 bits: guessing a token takes 2^96 tries on average, and each is a request. */
const SHORT_TAG_BYTES = 12;
// Short header: 1 k k o o u u u (kind, org id form, URL form).
const SHORT_FORMAT = 0x80;
const URL_UTF8 = 0;
const URL_CODEBOOK = 1;
const URL_BITS = 2;

/** Longer tokens are refused before any decoding work (URLs over ~12 KB are not links). */
export const MAX_TOKEN_LENGTH = 16_384;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;

export class TokenCodec {
  private readonly firstKey: KeyObject;
  private readonly shortKey: KeyObject;

  constructor(secret: string) {
    // Keys of their own, so the raw secret never signs anything directly; a
    // KeyObject spares every request the key set-up.
    const derive = (label: string) => createSecretKey(createHmac('sha256', secret).update(label).digest());
    this.firstKey = derive('tracking-token-v1');
    this.shortKey = derive('tracking-token-v2');
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
    const [form, text] = urlForm(url);
    bytes[0] |= form;
    return this.seal(bytes, text);
  }

  /** The token's contents, or null when it is malformed, too long or not ours. */
  decode(token: string): TrackingToken | null {
    // A length of 4n + 1 is no base64url encoding: the decoder would drop the last character, so that a
    // token with any character appended would verify as itself.
    if (token.length > MAX_TOKEN_LENGTH || token.length < 24 || token.length % 4 === 1 || !TOKEN_PATTERN.test(token)) return null;
    const bytes = Buffer.from(token, 'base64url');
    return bytes[0] & SHORT_FORMAT ? this.decodeShort(bytes) : this.decodeFirst(bytes);
  }

  private decodeShort(bytes: Buffer): TrackingToken | null {
    const payload = this.verified(bytes, SHORT_TAG_BYTES, this.shortKey, 1 + 16 + 1);
    if (!payload) return null;
    // From here on the payload is ours; the checks only guard against our own bugs.
    const header = payload[0];
    const kind = KINDS[(header >> 5) & 0x03];
    const org = readOrgId(payload, 17, (header >> 3) & 0x03);
    if (!kind || !org) return null;
    const [orgId, orgEnd] = org;
    const sendId = bytesToUuid(payload, 1);
    const urlForm = header & 0x07;
    if (kind !== 'click') return orgEnd === payload.length && urlForm === 0 ? { kind, orgId, sendId } : null;
    const position = readVarint(payload, orgEnd);
    if (!position) return null;
    const url = urlText(payload, position[1], urlForm);
    return url === null ? null : { kind, orgId, sendId, position: position[0], url };
  }

  private decodeFirst(bytes: Buffer): TrackingToken | null {
    const payload = this.verified(bytes, FIRST_TAG_BYTES, this.firstKey, 1 + 16 + 1 + 1);
    if (!payload) return null;
    const kind = payload[0];
    const sendId = bytesToUuid(payload, 1);
    const orgLength = readVarint(payload, 17);
    if (!orgLength) return null;
    const orgEnd = orgLength[1] + orgLength[0];
    const orgId = payload.toString('utf8', orgLength[1], orgEnd);
    if (kind === OPEN && orgEnd === payload.length) return { kind: 'open', orgId, sendId };
    if (kind === TRAP && orgEnd === payload.length) return { kind: 'trap', orgId, sendId };
    if (kind !== CLICK) return null;
    const position = readVarint(payload, orgEnd);
    if (!position) return null;
    return { kind: 'click', orgId, sendId, position: position[0], url: payload.toString('utf8', position[1]) };
  }

  /** The payload before the tag, when the tag is the one `key` gives it; null otherwise. */
  private verified(bytes: Buffer, tagBytes: number, key: KeyObject, minPayload: number): Buffer | null {
    if (bytes.length < tagBytes + minPayload) return null;
    const payload = bytes.subarray(0, bytes.length - tagBytes);
    const expected = createHmac('sha256', key).update(payload).digest().subarray(0, tagBytes);
    return timingSafeEqual(bytes.subarray(payload.length), expected) ? payload : null;
  }

  /** The short format's header byte (URL form still 0), send id and org id. */
  private header(kind: number, orgId: string, sendId: string): number[] {
    const bytes = [0, ...uuidToBytes(sendId)];
    const orgForm = writeOrgId(orgId, bytes);
    bytes[0] = SHORT_FORMAT | (kind << 5) | (orgForm << 3);
    return bytes;
  }

  private seal(header: number[], tail?: Buffer): string {
    const payload = tail ? Buffer.concat([Buffer.from(header), tail]) : Buffer.from(header);
    const tag = createHmac('sha256', this.shortKey).update(payload).digest().subarray(0, SHORT_TAG_BYTES);
    return Buffer.concat([payload, tag]).toString('base64url');
  }
}

/**
 * The URL's shortest form: prefix codes (nearly always), codebook bytes
 * where those come out shorter, UTF-8 when it is not printable ASCII.
 */
function urlForm(url: string): [number, Buffer] {
  const bytes = encodeUrlText(url);
  if (!bytes) return [URL_UTF8, Buffer.from(url, 'utf8')];
  const bits = encodeUrlBits(url)!;
  return bits.length <= bytes.length ? [URL_BITS, bits] : [URL_CODEBOOK, bytes];
}

function urlText(payload: Buffer, start: number, form: number): string | null {
  switch (form) {
    case URL_BITS:
      return decodeUrlBits(payload, start);
    case URL_CODEBOOK:
      return decodeUrlText(payload, start);
    case URL_UTF8:
      return payload.toString('utf8', start);
    default:
      return null;
  }
}
