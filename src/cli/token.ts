// npm run token -- --org O --user U --role R [--team T] [--hours N]
// Prints a bearer JWT signed with AUTH_JWT_SECRET (or the development
// secret), valid for 24 hours unless --hours says otherwise, and never
// longer than the server accepts (AUTH_MAX_TOKEN_LIFETIME_HOURS).
import { DEFAULT_TOKEN_LIFETIME_HOURS, signToken } from '../auth/jwt';
import { isRole, ROLES } from '../auth/viewer';
import { loadConfig } from '../config';
import { devSecretsUnlessProduction } from '../dev-secrets';
import { fail, parseFlags } from './args';

const USAGE = 'usage: npm run token -- --org O --user U --role R [--team T] [--hours N]';

function lifetimeHours(raw: string | undefined, max: number): number {
  if (raw === undefined) return Math.min(DEFAULT_TOKEN_LIFETIME_HOURS, max);
  const hours = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(hours > 0)) fail(`--hours must be a positive number of hours, got "${raw}"`);
  if (hours > max) fail(`--hours ${raw} is longer than the server accepts (AUTH_MAX_TOKEN_LIFETIME_HOURS=${max})`);
  return hours;
}

async function main(): Promise<void> {
  let flags: Record<string, string>;
  try {
    flags = parseFlags(process.argv.slice(2), ['org', 'user', 'role', 'team', 'hours']);
  } catch (error) {
    fail((error as Error).message);
  }
  const { org, user, role, team, hours } = flags;
  if (!org || !user || !role) fail(USAGE);
  if (!isRole(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  const config = loadConfig(process.env, devSecretsUnlessProduction(process.env));
  // Whole seconds: jose's time spans take "90s" but not fractional hours.
  const seconds = Math.round(lifetimeHours(hours, config.authMaxTokenLifetimeHours) * 3600);
  const token = await signToken({ orgId: org, userId: user, role, teamId: team ?? null, expiresIn: `${seconds}s` }, config.authJwtSecret);
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
