// Mailgun's webhook signature: HMAC-SHA256 over `timestamp + token` with the
// signing key, hex. Pure, so every rule (format, freshness, comparison) is
// unit-tested without a server.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface MailgunSignature {
  /** seconds since the epoch, as Mailgun wrote it (the HMAC covers these exact digits) */
  timestamp: string;
  /** Mailgun's random token (50 characters today); accepted once, see replay protection */
  token: string;
  /** hex HMAC-SHA256 */
  signature: string;
}

/**
 * How far the signed timestamp may be from our clock, either way. Mailgun
 * signs each delivery attempt when it posts it, so a genuine request is
 * seconds old; 15 minutes leaves room for clock skew and queueing while
 * bounding how long a captured signature stays usable (and how long seen
 * tokens must be remembered: twice this window).
 */
export const SIGNATURE_WINDOW_MS = 15 * 60_000;

const TIMESTAMP = /^\d{1,12}$/;
const TOKEN = /^[\x21-\x7e]{1,256}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * The signature fields when they have a usable form, else null. A number
 * timestamp (some proxies re-encode JSON) is read back as its digits.
 */
export function readSignature(timestamp: unknown, token: unknown, signature: unknown): MailgunSignature | null {
  const stamp = typeof timestamp === 'number' && Number.isSafeInteger(timestamp) ? String(timestamp) : timestamp;
  if (typeof stamp !== 'string' || !TIMESTAMP.test(stamp)) return null;
  if (typeof token !== 'string' || !TOKEN.test(token)) return null;
  if (typeof signature !== 'string' || !HEX_SHA256.test(signature)) return null;
  return { timestamp: stamp, token, signature: signature.toLowerCase() };
}

/** Whether the signed timestamp lies within the window around `now` (ms). */
export function isFreshSignature(signature: MailgunSignature, now: number, windowMs = SIGNATURE_WINDOW_MS): boolean {
  return Math.abs(Number(signature.timestamp) * 1000 - now) <= windowMs;
}

export function signMailgun(key: string, timestamp: string, token: string): string {
  return createHmac('sha256', key).update(timestamp + token).digest('hex');
}

/** Constant-time comparison of the expected and presented MACs (equal-length buffers). */
export function verifyMailgunSignature(key: string, signature: MailgunSignature): boolean {
  const expected = Buffer.from(signMailgun(key, signature.timestamp, signature.token), 'hex');
  const presented = Buffer.from(signature.signature, 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
