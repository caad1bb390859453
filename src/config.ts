// Environment -> one validated, typed, frozen Config. Every variable of the
// contract's table is read here and nowhere else; a bad value names its variable.
import path from 'node:path';
import { dataDir } from './paths';
import { canonicalNetwork } from './events/bot-networks';

export interface Config {
  readonly nodeEnv: string;
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** null: start the embedded PostgreSQL under `.data/` */
  readonly databaseUrl: string | null;
  /** a read replica for the stats queries; null: they read the primary */
  readonly databaseReadUrl: string | null;
  readonly embeddedPgPort: number;
  /** null: .data/pg */
  readonly embeddedPgDataDir: string | null;
  readonly publicBaseUrl: string;
  readonly trackingEnabled: boolean;
  readonly retentionDays: number;
  readonly trackingSigningSecret: string;
  readonly authJwtSecret: string;
  readonly mailgunWebhookSigningKey: string | null;
  /** 32 bytes */
  readonly secretsEncryptionKey: Buffer;
  readonly trustProxy: number;
  readonly extraBotUserAgents: readonly string[];
  readonly countGmailProxy: boolean;
  /** EMAIL_TRACKING_SPOOL_DIR: the journal's root; each process takes a directory under it */
  readonly spoolDir: string;
  /** EMAIL_TRACKING_SPOOL_MAX_MB, in bytes */
  readonly spoolMaxBytes: number;
  /** EMAIL_TRACKING_BOT_NETWORKS in canonical CIDR form, on top of the built-in scanner networks */
  readonly botNetworks: readonly string[];
  /** EMAIL_TRACKING_TRAP_LINK: instrumented emails carry the hidden trap link */
  readonly trapLink: boolean;
  /** EMAIL_TRACKING_WEBHOOK_ALLOW_PRIVATE: outbound webhooks may reach loopback and private addresses, and plain http: */
  readonly webhookAllowPrivate: boolean;
  /** EMAIL_TRACKING_MAX_STREAMS_PER_USER: live activity streams one user may hold open, on all instances together */
  readonly maxStreamsPerUser: number;
  /** EMAIL_TRACKING_MAX_STREAMS: live activity streams this instance holds open in all */
  readonly maxStreams: number;
  readonly logLevel: string;
  /** EMAIL_TRACKING_MAX_LINKS: trackable links rewritten per email; the rest are left as they are */
  readonly maxTrackedLinks: number;
  /** AUTH_MAX_TOKEN_LIFETIME_HOURS: the longest bearer token accepted, counted from its `iat` */
  readonly authMaxTokenLifetimeHours: number;
  /** METRICS_TOKEN: the bearer GET /metrics needs; null: open outside production, loopback only in production */
  readonly metricsToken: string | null;
}

/** Secrets used when a variable is unset outside production (see dev-secrets.ts). */
export interface DevSecrets {
  trackingSigningSecret: string;
  authJwtSecret: string;
  secretsEncryptionKey: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const MIN_SECRET_LENGTH = 32;
/** A scraper's bearer: long enough not to be guessed, short enough for any Prometheus config. */
const MIN_METRICS_TOKEN_LENGTH = 16;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const parsed = Number(raw);
  if (parsed < min || parsed > max) throw new ConfigError(name, `expected ${min} to ${max}, got ${parsed}`);
  return parsed;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function httpUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, 'must start with http:// or https://');
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(name, 'must be an origin with an optional path, without query, fragment or credentials');
  }
  return url.toString().replace(/\/+$/, '');
}

function postgresUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The value may hold a password: never echo it.
    throw new ConfigError(name, 'not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, 'must start with postgres:// or postgresql://');
  }
  return raw;
}

function secret(env: Env, name: string, production: boolean, devFallback: string | undefined): string {
  const raw = value(env, name);
  if (raw !== undefined) {
    if (raw.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(name, `must be at least ${MIN_SECRET_LENGTH} characters long`);
    }
    return raw;
  }
  if (production) throw new ConfigError(name, 'is required when NODE_ENV=production');
  if (devFallback === undefined) throw new ConfigError(name, 'is not set and no development secret is available');
  return devFallback;
}

function metricsToken(env: Env, name: string): string | null {
  const raw = value(env, name);
  if (raw === undefined) return null;
  if (raw.length < MIN_METRICS_TOKEN_LENGTH) throw new ConfigError(name, `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters long`);
  if (!/^[\x21-\x7e]+$/.test(raw)) throw new ConfigError(name, 'must be printable ASCII without spaces (it travels in an Authorization header)');
  return raw;
}

function encryptionKey(env: Env, name: string, production: boolean, devFallback: string | undefined): Buffer {
  const raw = value(env, name) ?? (production ? undefined : devFallback);
  if (raw === undefined) {
    throw new ConfigError(name, production ? 'is required when NODE_ENV=production' : 'is not set');
  }
  if (!/^[0-9a-fA-F]{64}$/.test(raw)) throw new ConfigError(name, 'must be 32 bytes written as 64 hex characters');
  return Buffer.from(raw, 'hex');
}

function list(env: Env, name: string): string[] {
  const raw = value(env, name);
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

function networks(env: Env, name: string): string[] {
  return list(env, name).map((entry) => {
    const network = canonicalNetwork(entry);
    if (network === null) throw new ConfigError(name, `"${entry}" is not a CIDR (expected e.g. 192.0.2.0/24 or 2001:db8::/32)`);
    return network;
  });
}

export function loadConfig(env: Env, devSecrets?: DevSecrets): Config {
  const nodeEnv = value(env, 'NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  const port = integer(env, 'PORT', 4000, 0, 65535);
  const databaseUrlRaw = value(env, 'DATABASE_URL');
  const databaseReadUrlRaw = value(env, 'DATABASE_READ_URL');
  const logLevel = (value(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);

  const config: Config = {
    nodeEnv,
    production,
    port,
    host: value(env, 'HOST') ?? '127.0.0.1',
    databaseUrl: databaseUrlRaw === undefined ? null : postgresUrl('DATABASE_URL', databaseUrlRaw),
    databaseReadUrl: databaseReadUrlRaw === undefined ? null : postgresUrl('DATABASE_READ_URL', databaseReadUrlRaw),
    embeddedPgPort: integer(env, 'EMBEDDED_PG_PORT', 54329, 1024, 65535),
    embeddedPgDataDir: value(env, 'EMBEDDED_PG_DATA_DIR') ?? null,
    publicBaseUrl: httpUrl('PUBLIC_BASE_URL', value(env, 'PUBLIC_BASE_URL') ?? `http://localhost:${port}`),
    trackingEnabled: boolean(env, 'EMAIL_TRACKING_ENABLED', !production),
    retentionDays: integer(env, 'EMAIL_TRACKING_RETENTION_DAYS', 365, 1, 36500),
    trackingSigningSecret: secret(env, 'TRACKING_SIGNING_SECRET', production, devSecrets?.trackingSigningSecret),
    authJwtSecret: secret(env, 'AUTH_JWT_SECRET', production, devSecrets?.authJwtSecret),
    mailgunWebhookSigningKey: value(env, 'MAILGUN_WEBHOOK_SIGNING_KEY') ?? null,
    secretsEncryptionKey: encryptionKey(env, 'SECRETS_ENCRYPTION_KEY', production, devSecrets?.secretsEncryptionKey),
    trustProxy: integer(env, 'TRUST_PROXY', 0, 0, 32),
    extraBotUserAgents: Object.freeze(list(env, 'EMAIL_TRACKING_BOT_USER_AGENTS')),
    countGmailProxy: boolean(env, 'EMAIL_TRACKING_COUNT_GMAIL_PROXY', false),
    spoolDir: path.resolve(value(env, 'EMAIL_TRACKING_SPOOL_DIR') ?? path.join(dataDir, 'spool')),
    spoolMaxBytes: integer(env, 'EMAIL_TRACKING_SPOOL_MAX_MB', 2048, 1, 1_048_576) * 1024 * 1024,
    botNetworks: Object.freeze(networks(env, 'EMAIL_TRACKING_BOT_NETWORKS')),
    trapLink: boolean(env, 'EMAIL_TRACKING_TRAP_LINK', true),
    webhookAllowPrivate: boolean(env, 'EMAIL_TRACKING_WEBHOOK_ALLOW_PRIVATE', !production),
    maxStreamsPerUser: integer(env, 'EMAIL_TRACKING_MAX_STREAMS_PER_USER', 5, 1, 1_000),
    maxStreams: integer(env, 'EMAIL_TRACKING_MAX_STREAMS', 2_000, 1, 100_000),
    logLevel,
    maxTrackedLinks: integer(env, 'EMAIL_TRACKING_MAX_LINKS', 500, 1, 100_000),
    // 720 hours (30 days) by default, as src/auth/jwt.ts documents; a year at most.
    authMaxTokenLifetimeHours: integer(env, 'AUTH_MAX_TOKEN_LIFETIME_HOURS', 720, 1, 8_760),
    metricsToken: metricsToken(env, 'METRICS_TOKEN'),
  };
  return Object.freeze(config);
}
