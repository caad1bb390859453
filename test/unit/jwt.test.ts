import { SignJWT, UnsecuredJWT } from 'jose';
import { authenticate, signToken } from '../../src/auth/jwt';
import { senderScope } from '../../src/auth/viewer';

const secret = 'unit-test-secret-0123456789abcdef0123';
const key = new TextEncoder().encode(secret);

describe('authenticate', () => {
  it('accepts a token from signToken and exposes its claims', async () => {
    const token = await signToken({ orgId: 'acme', userId: 'u1', role: 'partner', teamId: 't9' }, secret);
    await expect(authenticate(`Bearer ${token}`, secret)).resolves.toEqual({
      viewer: { userId: 'u1', orgId: 'acme', role: 'partner', teamId: 't9' },
    });
  });

  it('treats a missing header as anonymous without a problem', async () => {
    await expect(authenticate(undefined, secret)).resolves.toEqual({ viewer: null, problem: null });
  });

  it('refuses a token signed with another key', async () => {
    const token = await signToken({ orgId: 'acme', userId: 'u1', role: 'admin' }, 'another-secret-0123456789abcdef0123');
    await expect(authenticate(`Bearer ${token}`, secret)).resolves.toEqual({ viewer: null, problem: 'the token is invalid' });
  });

  it('refuses an expired token', async () => {
    const token = await new SignJWT({ org: 'acme', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    await expect(authenticate(`Bearer ${token}`, secret)).resolves.toEqual({ viewer: null, problem: 'the token has expired' });
  });

  it('refuses alg none', async () => {
    const token = new UnsecuredJWT({ org: 'acme', role: 'owner' }).setSubject('u1').encode();
    const result = await authenticate(`Bearer ${token}`, secret);
    expect(result.viewer).toBeNull();
  });

  it('refuses tokens without org, sub or a known role', async () => {
    const noOrg = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').sign(key);
    const badRole = await new SignJWT({ org: 'acme', role: 'root' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').sign(key);
    const noSub = await new SignJWT({ org: 'acme', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    for (const token of [noOrg, badRole, noSub]) {
      expect((await authenticate(`Bearer ${token}`, secret)).viewer).toBeNull();
    }
  });

  it('refuses a token without exp: it would never expire', async () => {
    const token = await new SignJWT({ org: 'acme', role: 'owner' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setIssuedAt().sign(key);
    await expect(authenticate(`Bearer ${token}`, secret)).resolves.toEqual({ viewer: null, problem: 'the token has no exp claim: every token must expire' });
  });

  it('refuses a token living longer than the lifetime allowed, counted from iat or from now', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (exp: number, iat?: number) => {
      const jwt = new SignJWT({ org: 'acme', role: 'owner' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setExpirationTime(exp);
      return (iat === undefined ? jwt : jwt.setIssuedAt(iat)).sign(key);
    };
    const tooLong = { viewer: null, problem: 'the token lives longer than 720 hours' };
    // 100 years, the audit's example
    await expect(authenticate(`Bearer ${await sign(now + 100 * 365 * 86400, now)}`, secret)).resolves.toEqual(tooLong);
    // no iat: counted from now
    await expect(authenticate(`Bearer ${await sign(now + 721 * 3600)}`, secret)).resolves.toEqual(tooLong);
    // an iat in the future does not shorten a lifetime that starts now
    await expect(authenticate(`Bearer ${await sign(now + 10 * 365 * 86400, now + 10 * 365 * 86400 - 3600)}`, secret)).resolves.toEqual(tooLong);
    // issued 700 hours ago for 719: within the bound, still valid for 19 hours
    expect((await authenticate(`Bearer ${await sign(now + 19 * 3600, now - 700 * 3600)}`, secret)).viewer?.userId).toBe('u1');
    // the bound is the caller's
    expect((await authenticate(`Bearer ${await sign(now + 3 * 3600, now)}`, secret, 2)).viewer).toBeNull();
    expect((await authenticate(`Bearer ${await sign(now + 2 * 3600, now)}`, secret, 2)).viewer?.userId).toBe('u1');
  });

  it('signs tokens valid for 24 hours by default', async () => {
    const token = await signToken({ orgId: 'acme', userId: 'u1', role: 'admin' }, secret);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(24 * 3600);
  });

  it('refuses a header that is not a bearer token', async () => {
    const result = await authenticate('Basic dXNlcjpwYXNz', secret);
    expect(result).toEqual({ viewer: null, problem: 'the Authorization header must be "Bearer <token>"' });
  });
});

describe('senderScope', () => {
  it('is the whole organisation for owner, admin and service, the caller otherwise', () => {
    const base = { orgId: 'o', userId: 'u', teamId: null };
    expect(senderScope({ ...base, role: 'owner' })).toBeNull();
    expect(senderScope({ ...base, role: 'admin' })).toBeNull();
    expect(senderScope({ ...base, role: 'service' })).toBeNull();
    expect(senderScope({ ...base, role: 'partner' })).toBe('u');
    expect(senderScope({ ...base, role: 'sales_rep' })).toBe('u');
    expect(senderScope({ ...base, role: 'member' })).toBe('u');
  });
});
