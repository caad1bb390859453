// Structured logs (pino). Secrets, tokens and client IPs never reach a log line:
// nothing logs them, errors are reduced to what explains them (a database
// error's query and bound parameters, which can hold URLs, user agents and
// email HTML, are left out), and the redact paths are a last fence.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

interface LoggedError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
}

/** The parts of an error worth logging, whatever library threw it. */
export function serializeError(error: unknown): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'email-tracking' },
    serializers: { err: serializeError },
    redact: {
      paths: ['authorization', 'headers.authorization', 'key', 'secret', 'password', 'token', 'ip', '*.key', '*.password', '*.token'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
