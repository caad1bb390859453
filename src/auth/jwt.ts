// HS256 bearer tokens (contract section 2): verification for every request and
// signing for `npm run token` and the tests. A token must say when it ends
// (`exp`), and may not live longer than the configured lifetime: a leaked
// token without an end would be a password nobody can change.
import { errors, jwtVerify, SignJWT } from 'jose';
import { isRole, type Role, type Viewer } from './viewer';

export type Authentication = { viewer: Viewer } | { viewer: null; problem: string | null };

const MAX_ID_LENGTH = 200;
/** AUTH_MAX_TOKEN_LIFETIME_HOURS's default: 30 days. */
export const DEFAULT_MAX_TOKEN_LIFETIME_HOURS = 720;
/** What `npm run token` and signToken issue unless told otherwise. */
export const DEFAULT_TOKEN_LIFETIME_HOURS = 24;

function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

function claimString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH ? value : null;
}

/**
 * Seconds the token lives: from `iat`, or from now without one. An `iat` in
 * the future counts from now, so a far-future `iat` cannot make a token
 * valid for years look short-lived.
 */
function lifetimeSeconds(exp: number, iat: number | undefined, nowSeconds: number): number {
  return exp - Math.min(iat ?? nowSeconds, nowSeconds);
}

/** Reads `Authorization: Bearer <jwt>`. No header: anonymous, no problem to report. */
export async function authenticate(
  header: string | undefined,
  secret: string,
  maxLifetimeHours = DEFAULT_MAX_TOKEN_LIFETIME_HOURS,
): Promise<Authentication> {
  if (header === undefined || header.trim() === '') return { viewer: null, problem: null };
  const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
  if (!match) return { viewer: null, problem: 'the Authorization header must be "Bearer <token>"' };
  try {
    const { payload } = await jwtVerify(match[1], secretKey(secret), { algorithms: ['HS256'], requiredClaims: ['exp'] });
    if (lifetimeSeconds(payload.exp!, payload.iat, Math.floor(Date.now() / 1000)) > maxLifetimeHours * 3600) {
      return { viewer: null, problem: `the token lives longer than ${maxLifetimeHours} hours` };
    }
    const userId = claimString(payload.sub);
    const orgId = claimString(payload.org);
    if (userId === null || orgId === null) return { viewer: null, problem: 'the token lacks the sub or org claim' };
    if (!isRole(payload.role)) return { viewer: null, problem: 'the token has no valid role claim' };
    const teamId = payload.team === undefined || payload.team === null ? null : claimString(payload.team);
    if (payload.team !== undefined && payload.team !== null && teamId === null) {
      return { viewer: null, problem: 'the token has an invalid team claim' };
    }
    return { viewer: { userId, orgId, role: payload.role, teamId } };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { viewer: null, problem: 'the token has expired' };
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp') {
      return { viewer: null, problem: 'the token has no exp claim: every token must expire' };
    }
    return { viewer: null, problem: 'the token is invalid' };
  }
}

export interface TokenClaims {
  userId: string;
  orgId: string;
  role: Role;
  teamId?: string | null;
  /** lifetime, e.g. "12h"; jose's time span syntax; DEFAULT_TOKEN_LIFETIME_HOURS when absent */
  expiresIn?: string;
}

export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  const jwt = new SignJWT({ org: claims.orgId, role: claims.role, ...(claims.teamId ? { team: claims.teamId } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? `${DEFAULT_TOKEN_LIFETIME_HOURS}h`);
  return jwt.sign(secretKey(secret));
}
