// Which database errors are worth retrying the same work for: the connection
// or the server's state, not the data.

/** Errors after which retrying the same batch later can succeed. */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? (error as { driverError?: { code?: string } }).driverError?.code ?? '';
  // connection, resources, operator intervention, system errors; serialization, deadlock, lock timeout
  if (/^(08|53|57|58)/.test(code) || code === '40001' || code === '40P01' || code === '55P03') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /timeout|terminat|connect|Connection|closed|ECONN/i.test(message);
}
