// Bearer tokens must end (contract section 2): the audit found tokens without
// `exp` accepted forever and a 100-year token working. `npm run token` issues
// 24-hour tokens unless --hours says otherwise, never more than the server accepts.
import { spawnSync } from 'node:child_process';
import { SignJWT } from 'jose';
import { TEST_ENV, startTestApp, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gqlRaw } from '../support/graphql-client';
import { projectRoot } from '../support/processes';

const key = new TextEncoder().encode(TEST_ENV.AUTH_JWT_SECRET);

function runTokenCli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['dist/src/cli/token.js', ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...TEST_ENV, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function claimsOf(token: string): { exp: number; iat: number; org: string } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp: number; iat: number; org: string };
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ AUTH_MAX_TOKEN_LIFETIME_HOURS: '48' });
});
afterAll(async () => t.close());

async function viewerWith(token: string) {
  return gqlRaw<{ viewer: { userId: string } }>(t.url, '{ viewer { userId } }', {}, token);
}

describe('the server', () => {
  it('refuses a token without exp', async () => {
    const token = await new SignJWT({ org: uniqueOrg(), role: 'owner' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setIssuedAt().sign(key);
    const result = await viewerWith(token);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.errors?.[0].message).toContain('every token must expire');
  });

  it('refuses a token living longer than AUTH_MAX_TOKEN_LIFETIME_HOURS, and takes one within it', async () => {
    const sign = (hours: number) =>
      new SignJWT({ org: uniqueOrg(), role: 'owner' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setIssuedAt().setExpirationTime(`${hours}h`).sign(key);
    const century = await viewerWith(await sign(100 * 365 * 24));
    expect(errorCodes(century)).toEqual(['UNAUTHENTICATED']);
    expect(century.errors?.[0].message).toContain('longer than 48 hours');
    expect(errorCodes(await viewerWith(await sign(49)))).toEqual(['UNAUTHENTICATED']);
    expect((await viewerWith(await sign(47))).data?.viewer.userId).toBe('u1');
  });
});

describe('npm run token', () => {
  it('prints a token valid for 24 hours by default, which the server takes', async () => {
    const org = uniqueOrg();
    const { status, stdout } = runTokenCli(['--org', org, '--user', 'u1', '--role', 'admin']);
    expect(status).toBe(0);
    const token = stdout.trim();
    const claims = claimsOf(token);
    expect(claims.exp - claims.iat).toBe(24 * 3600);
    expect(claims.org).toBe(org);
    expect((await viewerWith(token)).data?.viewer.userId).toBe('u1');
  });

  it('takes --hours N, and refuses more than the server accepts', () => {
    const two = runTokenCli(['--org', 'o', '--user', 'u1', '--role', 'admin', '--hours', '2']);
    expect(two.status).toBe(0);
    const claims = claimsOf(two.stdout.trim());
    expect(claims.exp - claims.iat).toBe(2 * 3600);
    const tooLong = runTokenCli(['--org', 'o', '--user', 'u1', '--role', 'admin', '--hours', '721']);
    expect(tooLong.status).toBe(2);
    expect(tooLong.stdout).toBe('');
    expect(tooLong.stderr).toContain('AUTH_MAX_TOKEN_LIFETIME_HOURS=720');
    const notANumber = runTokenCli(['--org', 'o', '--user', 'u1', '--role', 'admin', '--hours', 'forever']);
    expect(notANumber.status).toBe(2);
    expect(notANumber.stderr).toContain('--hours must be a positive number');
  });
});
