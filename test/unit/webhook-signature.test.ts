// Mailgun signature checks: format, freshness and constant-time verification.
import { createHmac } from 'node:crypto';
import { isFreshSignature, readSignature, SIGNATURE_WINDOW_MS, signMailgun, verifyMailgunSignature } from '../../src/webhooks/signature';

const KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const TOKEN = 'c5a8b0e6d2f44e1c9c2a4d1b7e3f9a0b6c8d2e4f1a3b5c7d9e';

describe('signMailgun / verifyMailgunSignature', () => {
  it('matches HMAC-SHA256 over timestamp + token, hex', () => {
    const expected = createHmac('sha256', KEY).update(`1700000000${TOKEN}`).digest('hex');
    expect(signMailgun(KEY, '1700000000', TOKEN)).toBe(expected);
    expect(verifyMailgunSignature(KEY, { timestamp: '1700000000', token: TOKEN, signature: expected })).toBe(true);
  });

  it('refuses another key, another timestamp, another token and a tampered signature', () => {
    const signature = signMailgun(KEY, '1700000000', TOKEN);
    expect(verifyMailgunSignature('key-other', { timestamp: '1700000000', token: TOKEN, signature })).toBe(false);
    expect(verifyMailgunSignature(KEY, { timestamp: '1700000001', token: TOKEN, signature })).toBe(false);
    expect(verifyMailgunSignature(KEY, { timestamp: '1700000000', token: `${TOKEN}x`, signature })).toBe(false);
    const flipped = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
    expect(verifyMailgunSignature(KEY, { timestamp: '1700000000', token: TOKEN, signature: flipped })).toBe(false);
  });
});

describe('readSignature', () => {
  const hex = 'a'.repeat(64);

  it('accepts the documented shapes, including a numeric timestamp, and lower-cases the hex', () => {
    expect(readSignature('1700000000', TOKEN, hex.toUpperCase())).toEqual({ timestamp: '1700000000', token: TOKEN, signature: hex });
    expect(readSignature(1700000000, TOKEN, hex)).toEqual({ timestamp: '1700000000', token: TOKEN, signature: hex });
  });

  it.each([
    ['missing timestamp', undefined, TOKEN, hex],
    ['fractional timestamp', '1700000000.5', TOKEN, hex],
    ['negative timestamp', -5, TOKEN, hex],
    ['word timestamp', 'now', TOKEN, hex],
    ['empty token', '1700000000', '', hex],
    ['token with spaces', '1700000000', 'a b', hex],
    ['huge token', '1700000000', 'x'.repeat(257), hex],
    ['short signature', '1700000000', TOKEN, 'abc'],
    ['non-hex signature', '1700000000', TOKEN, 'z'.repeat(64)],
    ['object signature', '1700000000', TOKEN, { hex }],
  ])('refuses %s', (_name, timestamp, token, signature) => {
    expect(readSignature(timestamp, token, signature)).toBeNull();
  });
});

describe('isFreshSignature', () => {
  const now = 1_700_000_000_000;
  const at = (secondsFromNow: number) => ({ timestamp: String(now / 1000 + secondsFromNow), token: TOKEN, signature: 'a'.repeat(64) });

  it('accepts up to 15 minutes either way and nothing beyond', () => {
    expect(SIGNATURE_WINDOW_MS).toBe(15 * 60_000);
    expect(isFreshSignature(at(0), now)).toBe(true);
    expect(isFreshSignature(at(-900), now)).toBe(true);
    expect(isFreshSignature(at(900), now)).toBe(true);
    expect(isFreshSignature(at(-901), now)).toBe(false);
    expect(isFreshSignature(at(901), now)).toBe(false);
  });
});
