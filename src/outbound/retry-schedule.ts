// When a failed delivery is tried again (contract section 11): about 5 s,
// 30 s, 2 min, 10 min, 30 min, then hourly, for 24 hours; then FAILED. Data,
// and one pure function over it.

/** Waits after the 1st, 2nd, ... failed attempt; past the list, the last one again. */
export const RETRY_WAITS_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];
/** From the first attempt (or a redelivery), how long a delivery keeps being retried. */
export const RETRY_SPAN_MS = 24 * 3_600_000;
/**
 * Waits are spread by up to this share, so the deliveries that failed
 * together (a receiver down) do not all come back in the same second.
 */
export const RETRY_JITTER = 0.1;

export type AfterFailure = { retryAt: number } | { failed: true };

/**
 * After the `attempts`-th failed attempt of a delivery retried since
 * `retryFrom` (epoch ms): when to try again, or give up. `random` in [0, 1).
 */
export function afterFailure(attempts: number, retryFrom: number, now: number, random: number): AfterFailure {
  const wait = RETRY_WAITS_MS[Math.min(Math.max(attempts, 1), RETRY_WAITS_MS.length) - 1];
  const retryAt = now + Math.round(wait * (1 + RETRY_JITTER * random));
  return retryAt > retryFrom + RETRY_SPAN_MS ? { failed: true } : { retryAt };
}
