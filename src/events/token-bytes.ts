// The byte fields tracking tokens are made of (events/tokens.ts): varints,
// send ids as 16 bytes, and organisation ids in their most compact exact
// form. Pure; every reader returns null on malformed input rather than throw.

export function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error('send id must be a uuid');
  return Buffer.from(hex, 'hex');
}

export function bytesToUuid(bytes: Buffer, start: number): string {
  const hex = bytes.toString('hex', start, start + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function writeVarint(value: number, out: number[]): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/** Reads a varint of at most `maxBytes` at `offset`; returns [value, next offset] or null when malformed. */
export function readVarint(bytes: Buffer, offset: number, maxBytes = 4): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < bytes.length && i < offset + maxBytes; i++) {
    value += (bytes[i] & 0x7f) * scale;
    if ((bytes[i] & 0x80) === 0) return [value, i + 1];
    scale *= 0x80;
  }
  return null;
}

/** How an organisation id is written; the form is kept in the token's header byte. */
export enum OrgForm {
  /** varint length, then UTF-8: any id */
  Text = 0,
  /** 16 bytes: a UUID in its canonical lowercase text form */
  Uuid = 1,
  /** a varint: a decimal number without leading zeros, up to 2^53 */
  Number = 2,
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CANONICAL_NUMBER = /^(?:0|[1-9][0-9]{0,15})$/;

/**
 * Appends `orgId` in its shortest form that decodes to the very same
 * string (so `ACME` and an uppercase UUID stay text), and returns the form.
 */
export function writeOrgId(orgId: string, out: number[]): OrgForm {
  if (CANONICAL_UUID.test(orgId)) {
    out.push(...uuidToBytes(orgId));
    return OrgForm.Uuid;
  }
  if (CANONICAL_NUMBER.test(orgId) && Number.isSafeInteger(Number(orgId))) {
    writeVarint(Number(orgId), out);
    return OrgForm.Number;
  }
  const text = Buffer.from(orgId, 'utf8');
  writeVarint(text.length, out);
  out.push(...text);
  return OrgForm.Text;
}

/** The organisation id written in `form` at `offset`, and the offset after it; null when malformed. */
export function readOrgId(bytes: Buffer, offset: number, form: number): [string, number] | null {
  switch (form) {
    case OrgForm.Uuid:
      return offset + 16 <= bytes.length ? [bytesToUuid(bytes, offset), offset + 16] : null;
    case OrgForm.Number: {
      const value = readVarint(bytes, offset, 8);
      return value && [String(value[0]), value[1]];
    }
    case OrgForm.Text: {
      const length = readVarint(bytes, offset);
      if (!length || length[1] + length[0] > bytes.length) return null;
      return [bytes.toString('utf8', length[1], length[1] + length[0]), length[1] + length[0]];
    }
    default:
      return null;
  }
}
