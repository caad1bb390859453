// npm run token -- --org O --user U --role R [--team T] [--expires 12h]
// Prints a bearer JWT signed with AUTH_JWT_SECRET (or the development secret).
import { signToken } from '../auth/jwt';
import { isRole, ROLES } from '../auth/viewer';
import { loadConfig } from '../config';
import { devSecretsUnlessProduction } from '../dev-secrets';
import { fail, parseFlags } from './args';

async function main(): Promise<void> {
  let flags: Record<string, string>;
  try {
    flags = parseFlags(process.argv.slice(2), ['org', 'user', 'role', 'team', 'expires']);
  } catch (error) {
    fail((error as Error).message);
  }
  const { org, user, role, team, expires } = flags;
  if (!org || !user || !role) fail('usage: npm run token -- --org O --user U --role R [--team T] [--expires 12h]');
  if (!isRole(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  const config = loadConfig(process.env, devSecretsUnlessProduction(process.env));
  const token = await signToken({ orgId: org, userId: user, role, teamId: team ?? null, expiresIn: expires ?? '12h' }, config.authJwtSecret);
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
