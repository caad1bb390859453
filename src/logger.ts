// Structured logs (pino). Secrets, tokens and client IPs never reach a log line:
// the redact paths below are a second fence behind not logging them at all.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'email-tracking' },
    redact: {
      paths: ['authorization', 'headers.authorization', 'key', 'secret', 'password', 'token', 'ip', '*.key', '*.password', '*.token'],
      censor: '[redacted]',
    },
  });
}
