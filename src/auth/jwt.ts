// HS256 bearer tokens (contract section 2): verification for every request and
// signing for `npm run token` and the tests.
import { errors, jwtVerify, SignJWT } from 'jose';
import { isRole, type Role, type Viewer } from './viewer';

export type Authentication = { viewer: Viewer } | { viewer: null; problem: string | null };

const MAX_ID_LENGTH = 200;

function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

function claimString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH ? value : null;
}

/** Reads `Authorization: Bearer <jwt>`. No header: anonymous, no problem to report. */
export async function authenticate(header: string | undefined, secret: string): Promise<Authentication> {
  if (header === undefined || header.trim() === '') return { viewer: null, problem: null };
  const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
  if (!match) return { viewer: null, problem: 'the Authorization header must be "Bearer <token>"' };
  try {
    const { payload } = await jwtVerify(match[1], secretKey(secret), { algorithms: ['HS256'] });
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
    return { viewer: null, problem: 'the token is invalid' };
  }
}

export interface TokenClaims {
  userId: string;
  orgId: string;
  role: Role;
  teamId?: string | null;
  /** lifetime, e.g. "12h"; jose's time span syntax */
  expiresIn?: string;
}

export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  const jwt = new SignJWT({ org: claims.orgId, role: claims.role, ...(claims.teamId ? { team: claims.teamId } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h');
  return jwt.sign(secretKey(secret));
}
