// AES-256-GCM sealing of stored secrets: round trip, tamper detection, and
// the context binding that makes a copied row useless.
import { openSecret, sealSecret, SecretUnreadableError, signingKeyContext } from '../../src/secrets/secret-box';
import { normalizeSigningKey, settingsOwner } from '../../src/secrets/signing-key-rules';
import type { Viewer } from '../../src/auth/viewer';

const KEY = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const SECRET = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const CONTEXT = signingKeyContext('org-1', '');

describe('sealSecret / openSecret', () => {
  it('round-trips, with a version byte, a fresh nonce each time and no plaintext in the output', () => {
    const a = sealSecret(KEY, SECRET, CONTEXT);
    const b = sealSecret(KEY, SECRET, CONTEXT);
    expect(a[0]).toBe(1);
    expect(a.length).toBe(1 + 12 + 16 + Buffer.byteLength(SECRET));
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.toString('latin1')).not.toContain(SECRET);
    expect(openSecret(KEY, a, CONTEXT)).toBe(SECRET);
    expect(openSecret(KEY, sealSecret(KEY, 'ünïcödé 🔑', CONTEXT), CONTEXT)).toBe('ünïcödé 🔑');
  });

  it('detects a flipped bit anywhere: version, nonce, tag or ciphertext', () => {
    const sealed = sealSecret(KEY, SECRET, CONTEXT);
    for (let index = 0; index < sealed.length; index++) {
      const tampered = Buffer.from(sealed);
      tampered[index] ^= 0x01;
      expect(() => openSecret(KEY, tampered, CONTEXT)).toThrow(SecretUnreadableError);
    }
  });

  it('refuses another organisation, another team, another encryption key, and truncated values', () => {
    const sealed = sealSecret(KEY, SECRET, CONTEXT);
    expect(() => openSecret(KEY, sealed, signingKeyContext('org-2', ''))).toThrow(SecretUnreadableError);
    expect(() => openSecret(KEY, sealed, signingKeyContext('org-1', 'team-a'))).toThrow(SecretUnreadableError);
    const otherKey = Buffer.from(KEY);
    otherKey[0] ^= 0xff;
    expect(() => openSecret(otherKey, sealed, CONTEXT)).toThrow(SecretUnreadableError);
    expect(() => openSecret(KEY, sealed.subarray(0, 20), CONTEXT)).toThrow(SecretUnreadableError);
  });

  it('never puts the secret in its error messages', () => {
    const sealed = sealSecret(KEY, SECRET, CONTEXT);
    try {
      openSecret(KEY, sealed, signingKeyContext('org-2', ''));
      throw new Error('expected a failure');
    } catch (error) {
      expect(String(error)).not.toContain(SECRET);
      expect(String(error)).not.toContain(sealed.toString('hex'));
    }
  });

  it('keeps context parts unambiguous', () => {
    expect(signingKeyContext('a|b', 'c')).not.toBe(signingKeyContext('a', 'b|c'));
  });

  it('refuses an encryption key that is not 32 bytes', () => {
    expect(() => sealSecret(Buffer.alloc(16), SECRET, CONTEXT)).toThrow(/32 bytes/);
  });
});

describe('signing key rules', () => {
  const viewer = (role: Viewer['role'], teamId: string | null = null): Viewer => ({ userId: 'u', orgId: 'org-1', role, teamId });

  it('gives ORG settings to owners and admins only', () => {
    expect(settingsOwner(viewer('owner'), 'ORG')).toEqual({ orgId: 'org-1', teamId: '' });
    expect(settingsOwner(viewer('admin'), 'ORG')).toEqual({ orgId: 'org-1', teamId: '' });
    for (const role of ['partner', 'sales_rep', 'member', 'service'] as const) expect(settingsOwner(viewer(role, 't'), 'ORG')).toBeNull();
    expect(settingsOwner(null, 'ORG')).toBeNull();
  });

  it("gives TEAM settings to a partner for its own team only", () => {
    expect(settingsOwner(viewer('partner', 'red'), 'TEAM')).toEqual({ orgId: 'org-1', teamId: 'red' });
    expect(settingsOwner(viewer('partner'), 'TEAM')).toBeNull();
    for (const role of ['owner', 'admin', 'sales_rep', 'member', 'service'] as const) expect(settingsOwner(viewer(role, 'red'), 'TEAM')).toBeNull();
  });

  it('normalizes keys: trims, then 8 to 256 printable ASCII characters without spaces', () => {
    expect(normalizeSigningKey(`  ${SECRET}\n`)).toBe(SECRET);
    expect(normalizeSigningKey('12345678')).toBe('12345678');
    expect(normalizeSigningKey('x'.repeat(256))).toBe('x'.repeat(256));
    for (const bad of ['', '       ', '1234567', 'x'.repeat(257), 'two words', 'tab\there!', 'ключ-ключ-ключ', 'nul\0inside']) {
      expect(normalizeSigningKey(bad)).toBeNull();
    }
  });
});
