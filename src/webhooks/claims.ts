// Idempotency and replay protection, inside the batch's transaction:
// - an event id is claimed once per organisation (processed_webhook_events):
//   a repeat delivery of the same event finds its claim and changes nothing;
// - a signature token is claimed once per key owner (webhook_signature_tokens):
//   a token presented again with another event is a replay and is refused.
// Both claims are one statement; rows go in sorted so concurrent batches take
// the unique-index locks in the same order.
import type { EntityManager } from 'typeorm';
import { runPrepared, type PreparedStatement } from '../db/prepared';

export const PROVIDER = 'mailgun';
/** Seen tokens are kept past every moment their signature could still be fresh (2 x 15 min). */
const TOKEN_MEMORY = '1 hour';
/** Expired tokens deleted per pruning pass and owner: pruning keeps pace with arrivals, no timer needed. */
const PRUNE_LIMIT = 5_000;

export interface Claim {
  orgId: string;
  eventId: string;
  /** the organisation whose key verified the signature, '' for the platform key */
  owner: string;
  token: string;
}

export interface ClaimResult {
  /** the event id was new for its organisation */
  claimed: boolean;
  /** the token was new for its key owner (meaningful when claimed) */
  tokenFresh: boolean;
}

const CLAIM: PreparedStatement = {
  name: 'mailgun-claim-v1',
  text: `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS c(org_id, event_id, owner, token, n)
  ), claimed AS (
    INSERT INTO processed_webhook_events (org_id, provider, event_id)
    SELECT org_id, $5, event_id FROM input ORDER BY n
    ON CONFLICT DO NOTHING
    RETURNING org_id, event_id
  ), tokens AS (
    INSERT INTO webhook_signature_tokens (org_id, provider, token)
    SELECT i.owner, $5, i.token FROM input i JOIN claimed c ON c.org_id = i.org_id AND c.event_id = i.event_id
    ORDER BY i.owner, i.token
    ON CONFLICT DO NOTHING
    RETURNING org_id, token
  )
  SELECT i.n::int AS n, c.event_id IS NOT NULL AS claimed, t.token IS NOT NULL AS token_fresh
  FROM input i
  LEFT JOIN claimed c ON c.org_id = i.org_id AND c.event_id = i.event_id
  LEFT JOIN tokens t ON t.org_id = i.owner AND t.token = i.token`,
};

/**
 * Claims each event and, for the events that were new, its token. The caller
 * passes distinct events and distinct tokens (a batch repeating either has
 * already answered for the repeats).
 */
export async function claimEventsAndTokens(db: EntityManager, claims: readonly Claim[]): Promise<ClaimResult[]> {
  if (claims.length === 0) return [];
  const order = claims.map((_, index) => index).sort((a, b) => compare(claims[a], claims[b]));
  const rows = await runPrepared<{ n: number; claimed: boolean; token_fresh: boolean }>(db, CLAIM, [
    order.map((index) => claims[index].orgId),
    order.map((index) => claims[index].eventId),
    order.map((index) => claims[index].owner),
    order.map((index) => claims[index].token),
    PROVIDER,
  ]);
  const results: ClaimResult[] = claims.map(() => ({ claimed: false, tokenFresh: false }));
  for (const row of rows) results[order[row.n - 1]] = { claimed: row.claimed, tokenFresh: row.token_fresh };
  return results;
}

function compare(a: Claim, b: Claim): number {
  if (a.orgId !== b.orgId) return a.orgId < b.orgId ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** Gives back event claims (of replays refused after claiming). */
export async function releaseEvents(db: EntityManager, claims: readonly Claim[]): Promise<void> {
  if (claims.length === 0) return;
  await db.query(
    `DELETE FROM processed_webhook_events p USING unnest($1::text[], $2::text[]) AS c(org_id, event_id)
     WHERE p.org_id = c.org_id AND p.provider = $3 AND p.event_id = c.event_id`,
    [claims.map((claim) => claim.orgId), claims.map((claim) => claim.eventId), PROVIDER],
  );
}

/**
 * Deletes expired tokens of these owners (index webhook_signature_tokens_received_idx).
 * SKIP LOCKED: another batch pruning the same rows is never waited for.
 */
export async function pruneTokens(db: EntityManager, owners: readonly string[]): Promise<void> {
  if (owners.length === 0) return;
  await db.query(
    `DELETE FROM webhook_signature_tokens WHERE ctid IN (
       SELECT t.ctid FROM unnest($1::text[]) AS o(org_id)
       CROSS JOIN LATERAL (
         SELECT ctid FROM webhook_signature_tokens
         WHERE org_id = o.org_id AND provider = $2 AND received_at < now() - $3::interval
         LIMIT $4 FOR UPDATE SKIP LOCKED) t)`,
    [[...new Set(owners)].sort(), PROVIDER, TOKEN_MEMORY, PRUNE_LIMIT],
  );
}
