// The address check at connection time: every new connection to a target
// resolves its name here and connects to an address that was just checked,
// so a name that changes its answer (DNS rebinding) reaches nothing internal.
// IP literals never reach a lookup; checkTargetUrl covers them at every attempt.
import { lookup as dnsLookup, promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { checkTargetUrl, refusedAddresses } from './target-rules';

/** A target the rules refuse: not retried sooner than any other failure, and never connected to. */
export class TargetRefusedError extends Error {
  readonly code = 'ETARGETREFUSED';
  constructor(reason: string) {
    super(`target refused: ${reason}`);
    this.name = 'TargetRefusedError';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net/tls connections that refuses non-public answers unless allowed. */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const problem = refusedAddresses(addresses.map((entry) => entry.address), allowPrivate);
      if (problem !== null) return callback(new TargetRefusedError(problem), '', 0);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * The save-time check of a URL: its form, and (unless private targets are
 * allowed) what its name resolves to now. Deliveries check again each time.
 */
export async function checkTargetNow(raw: string, allowPrivate: boolean): Promise<{ url: URL } | { problem: string }> {
  const checked = checkTargetUrl(raw, allowPrivate);
  if ('problem' in checked || allowPrivate) return checked;
  const host = checked.url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = await dns.lookup(host, { all: true });
  } catch {
    return { problem: 'url host name does not resolve' };
  }
  const problem = refusedAddresses(addresses.map((entry) => entry.address), false);
  return problem === null ? checked : { problem: `url must point at a public address (${problem})` };
}
