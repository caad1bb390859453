// Development-only secrets, generated once and kept in .data/dev-secrets.json
// so that tokens in already-sent test emails and `npm run token` keep working
// across restarts. Production never reads this file (config refuses to start
// without real secrets there).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DevSecrets } from './config';
import { dataDir } from './paths';

const file = path.join(dataDir, 'dev-secrets.json');

function isDevSecrets(value: unknown): value is DevSecrets {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.trackingSigningSecret === 'string' &&
    typeof record.authJwtSecret === 'string' &&
    typeof record.secretsEncryptionKey === 'string'
  );
}

export function loadDevSecrets(): DevSecrets {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isDevSecrets(parsed)) return parsed;
  } catch {
    // missing or unreadable: generate below
  }
  const secrets: DevSecrets = {
    trackingSigningSecret: randomBytes(32).toString('base64url'),
    authJwtSecret: randomBytes(32).toString('base64url'),
    secretsEncryptionKey: randomBytes(32).toString('hex'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/** The process configuration: env, with development secrets filled in outside production. */
export function devSecretsUnlessProduction(env: Record<string, string | undefined>): DevSecrets | undefined {
  return env.NODE_ENV === 'production' ? undefined : loadDevSecrets();
}
