// Recognises errors that came from PostgreSQL or the connection to it, for
// the db_errors_total metric (the error itself is logged without its query).
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export function isDatabaseError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const candidate = current as { name?: unknown; code?: unknown; originalError?: unknown };
    if (candidate.name === 'QueryFailedError' || candidate.name === 'ConnectionIsNotSetError') return true;
    // SQLSTATE codes are five characters, digits and upper-case letters
    if (typeof candidate.code === 'string' && (/^[0-9A-Z]{5}$/.test(candidate.code) || CONNECTION_CODES.has(candidate.code))) return true;
    if (current instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(current.message)) return true;
    current = candidate.originalError;
  }
  return false;
}
