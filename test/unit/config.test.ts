import { ConfigError, loadConfig } from '../../src/config';

const secrets = {
  TRACKING_SIGNING_SECRET: 'a'.repeat(32),
  AUTH_JWT_SECRET: 'b'.repeat(32),
  SECRETS_ENCRYPTION_KEY: 'c'.repeat(64),
};
const dev = { trackingSigningSecret: 'd'.repeat(40), authJwtSecret: 'e'.repeat(40), secretsEncryptionKey: 'f'.repeat(64) };

function problemWith(env: Record<string, string>): string {
  try {
    loadConfig(env, dev);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the contract defaults outside production', () => {
    const config = loadConfig({}, dev);
    expect(config.port).toBe(4000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBeNull();
    expect(config.publicBaseUrl).toBe('http://localhost:4000');
    expect(config.trackingEnabled).toBe(true);
    expect(config.retentionDays).toBe(365);
    expect(config.trustProxy).toBe(0);
    expect(config.countGmailProxy).toBe(false);
    expect(config.extraBotUserAgents).toEqual([]);
    expect(config.botNetworks).toEqual([]);
    expect(config.trapLink).toBe(true);
    expect(config.maxTrackedLinks).toBe(500);
    expect(config.authMaxTokenLifetimeHours).toBe(720);
    expect(config.metricsToken).toBeNull();
    expect(config.trackingSigningSecret).toBe(dev.trackingSigningSecret);
    expect(config.secretsEncryptionKey).toEqual(Buffer.from(dev.secretsEncryptionKey, 'hex'));
  });

  it('derives PUBLIC_BASE_URL from PORT and strips a trailing slash from an explicit one', () => {
    expect(loadConfig({ PORT: '8080' }, dev).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://t.example.com/e/' }, dev).publicBaseUrl).toBe('https://t.example.com/e');
  });

  it('is frozen', () => {
    const config = loadConfig({}, dev);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.extraBotUserAgents)).toBe(true);
    expect(Object.isFrozen(config.botNetworks)).toBe(true);
  });

  it('parses lists and booleans', () => {
    const config = loadConfig(
      { EMAIL_TRACKING_BOT_USER_AGENTS: ' Foo ,Bar Scanner,, ', EMAIL_TRACKING_COUNT_GMAIL_PROXY: 'TRUE', EMAIL_TRACKING_ENABLED: 'false' },
      dev,
    );
    expect(config.extraBotUserAgents).toEqual(['Foo', 'Bar Scanner']);
    expect(config.countGmailProxy).toBe(true);
    expect(config.trackingEnabled).toBe(false);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ EMAIL_TRACKING_RETENTION_DAYS: '0' }, 'EMAIL_TRACKING_RETENTION_DAYS'],
    [{ EMAIL_TRACKING_RETENTION_DAYS: '-5' }, 'EMAIL_TRACKING_RETENTION_DAYS'],
    [{ EMAIL_TRACKING_ENABLED: 'maybe' }, 'EMAIL_TRACKING_ENABLED'],
    [{ TRUST_PROXY: 'yes' }, 'TRUST_PROXY'],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL'],
    [{ PUBLIC_BASE_URL: 'https://x.example/?a=1' }, 'PUBLIC_BASE_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ SECRETS_ENCRYPTION_KEY: 'abc' }, 'SECRETS_ENCRYPTION_KEY'],
    [{ TRACKING_SIGNING_SECRET: 'short' }, 'TRACKING_SIGNING_SECRET'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ EMAIL_TRACKING_TRAP_LINK: 'hidden' }, 'EMAIL_TRACKING_TRAP_LINK'],
    [{ EMAIL_TRACKING_BOT_NETWORKS: '192.0.2.0/33' }, 'EMAIL_TRACKING_BOT_NETWORKS'],
    [{ EMAIL_TRACKING_BOT_NETWORKS: '192.0.2.0/24, scanner.example' }, 'EMAIL_TRACKING_BOT_NETWORKS'],
    [{ EMAIL_TRACKING_BOT_NETWORKS: '2001:db8::/129' }, 'EMAIL_TRACKING_BOT_NETWORKS'],
    [{ EMAIL_TRACKING_BOT_NETWORKS: '10.1/16' }, 'EMAIL_TRACKING_BOT_NETWORKS'],
    [{ EMAIL_TRACKING_MAX_LINKS: '0' }, 'EMAIL_TRACKING_MAX_LINKS'],
    [{ EMAIL_TRACKING_MAX_LINKS: 'many' }, 'EMAIL_TRACKING_MAX_LINKS'],
    [{ AUTH_MAX_TOKEN_LIFETIME_HOURS: '0' }, 'AUTH_MAX_TOKEN_LIFETIME_HOURS'],
    [{ AUTH_MAX_TOKEN_LIFETIME_HOURS: '876000' }, 'AUTH_MAX_TOKEN_LIFETIME_HOURS'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ METRICS_TOKEN: 'has a space in the middle' }, 'METRICS_TOKEN'],
  ])('refuses %j naming the variable', (env, variable) => {
    expect(problemWith(env)).toMatch(new RegExp(`^${variable}: `));
  });

  it('reads scanner networks, IPv4 and IPv6, in canonical form, and says which entry is wrong', () => {
    const config = loadConfig({ EMAIL_TRACKING_BOT_NETWORKS: ' 192.0.2.0/24, 2001:DB8:0:0::/32 ,,198.51.100.7 ' }, dev);
    expect(config.botNetworks).toEqual(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7/32']);
    expect(problemWith({ EMAIL_TRACKING_BOT_NETWORKS: '192.0.2.0/24,10.0.0.0/40' })).toBe(
      'EMAIL_TRACKING_BOT_NETWORKS: "10.0.0.0/40" is not a CIDR (expected e.g. 192.0.2.0/24 or 2001:db8::/32)',
    );
  });

  it('turns the trap link off only when asked', () => {
    expect(loadConfig({ EMAIL_TRACKING_TRAP_LINK: 'false' }, dev).trapLink).toBe(false);
    expect(loadConfig({ EMAIL_TRACKING_TRAP_LINK: 'true' }, dev).trapLink).toBe(true);
  });

  it('never echoes a bad DATABASE_URL, which may hold a password', () => {
    expect(problemWith({ DATABASE_URL: 'postgres://user:s3cret@host:port/db' })).not.toContain('s3cret');
  });

  it('refuses to start in production without the required secrets', () => {
    for (const missing of ['TRACKING_SIGNING_SECRET', 'AUTH_JWT_SECRET', 'SECRETS_ENCRYPTION_KEY']) {
      const env: Record<string, string> = { NODE_ENV: 'production', ...secrets };
      delete env[missing];
      expect(() => loadConfig(env, dev)).toThrow(new RegExp(`^${missing}: is required when NODE_ENV=production`));
    }
  });

  it('in production, disables tracking by default and uses the given secrets', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...secrets });
    expect(config.production).toBe(true);
    expect(config.trackingEnabled).toBe(false);
    expect(config.authJwtSecret).toBe(secrets.AUTH_JWT_SECRET);
  });
});
