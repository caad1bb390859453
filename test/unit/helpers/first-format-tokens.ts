// Mints tokens of the first format exactly as events/tokens.ts did before the
// short format (issue 27), so tests can check, beyond the committed fixture,
// that any such token still decodes, and measure what the short format saves.
// Also signs hand-made short-format payloads, to check what the decoder does
// with headers no encoder writes.
import { createHmac } from 'node:crypto';

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

const uuidBytes = (uuid: string) => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const keyFor = (secret: string, label: string) => createHmac('sha256', secret).update(label).digest();

function sign(secret: string, label: string, tagBytes: number, payload: Buffer): string {
  const tag = createHmac('sha256', keyFor(secret, label)).update(payload).digest().subarray(0, tagBytes);
  return Buffer.concat([payload, tag]).toString('base64url');
}

type Kind = 'open' | 'click' | 'trap';
const FIRST_KIND: Record<Kind, number> = { open: 0x01, click: 0x02, trap: 0x03 };

export function firstFormatToken(secret: string, kind: Kind, orgId: string, sendId: string, click?: { position: number; url: string }): string {
  const org = Buffer.from(orgId, 'utf8');
  const parts = [Buffer.from([FIRST_KIND[kind]]), uuidBytes(sendId), Buffer.from(varint(org.length)), org];
  if (click) parts.push(Buffer.from(varint(click.position)), Buffer.from(click.url, 'utf8'));
  return sign(secret, 'tracking-token-v1', 16, Buffer.concat(parts));
}

/** Characters of a first-format click token, without minting it. */
export function firstFormatClickLength(orgId: string, position: number, url: string): number {
  const org = Buffer.byteLength(orgId);
  const bytes = 1 + 16 + varint(org).length + org + varint(position).length + Buffer.byteLength(url) + 16;
  return Math.ceil((bytes * 4) / 3);
}

/** A short-format token over any payload, correctly signed: what only a bug of ours could mint. */
export function signedShortPayload(secret: string, payload: Buffer): string {
  return sign(secret, 'tracking-token-v2', 12, payload);
}
