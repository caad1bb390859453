// Domain errors carry a code from one enum; the GraphQL layer maps them in one
// exhaustive switch. Anything else becomes a generic internal error, so SQL and
// stack traces never reach a response.
import type { GraphQLFormattedError } from 'graphql';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'CONTACT_SUPPRESSED'
  | 'NOT_FOUND'
  // live activity streams (section 12): over a limit, too slow a reader, a server closing
  | 'TOO_MANY_STREAMS'
  | 'STREAM_FELL_BEHIND'
  | 'UNAVAILABLE';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (message: string) => new DomainError('BAD_USER_INPUT', message);
export const forbidden = (message = 'Not allowed') => new DomainError('FORBIDDEN', message);
export const unauthenticated = (message: string) => new DomainError('UNAUTHENTICATED', message);

/** Codes whose messages are written for the caller and safe to pass through. */
const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'CONTACT_SUPPRESSED',
  'NOT_FOUND',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

function findDomainError(error: unknown): DomainError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof DomainError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return null;
}

function isArgumentValidationError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if ((current as { name?: string }).name === 'ArgumentValidationError') return true;
    current = (current as { originalError?: unknown }).originalError;
  }
  return false;
}

/**
 * Apollo's formatError: keep caller-facing errors, replace everything else by
 * a generic message. `report` receives the unexpected ones for the log.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
  report: (error: unknown) => void,
): GraphQLFormattedError {
  const domain = findDomainError(error);
  if (domain) return { ...formatted, message: domain.message, extensions: { code: domain.code } };
  if (isArgumentValidationError(error)) {
    return { ...formatted, message: formatted.message, extensions: { code: 'BAD_USER_INPUT' } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  report(error);
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
