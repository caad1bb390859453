// Idempotency and replay protection, inside the organisation's transaction:
// - an event id is claimed once per organisation (processed_webhook_events):
//   a repeat delivery of the same event finds its claim and changes nothing;
// - a signature token is claimed once per key owner (webhook_signature_tokens):
//   a token presented again with another event is a replay and is refused.
// One statement per table and owner, the organisation (or owner) a scalar;
// rows go in sorted so concurrent batches take the unique-index locks in the
// same order. The platform key's tokens are all kept under owner '': a token
// is unique across every organisation that key serves, so claiming one
// touches that owner's shard too (on Citus, a second shard in the
// transaction; docs/webhooks.md).
import type { EntityManager } from 'typeorm';
import { runPrepared, type PreparedStatement } from '../db/prepared';

export const PROVIDER = 'mailgun';
/** Seen tokens are kept past every moment their signature could still be fresh (2 x 15 min). */
const TOKEN_MEMORY = '1 hour';
/** Expired tokens deleted per pruning pass and owner: pruning keeps pace with arrivals, no timer needed. */
const PRUNE_LIMIT = 5_000;

const CLAIM_EVENTS: PreparedStatement = {
  name: 'mailgun-claim-events-v2',
  text: `INSERT INTO processed_webhook_events (org_id, provider, event_id)
         SELECT $1::text, $2::text, event_id FROM unnest($3::text[]) AS c(event_id) ORDER BY event_id
         ON CONFLICT DO NOTHING
         RETURNING event_id`,
};

const CLAIM_TOKENS: PreparedStatement = {
  name: 'mailgun-claim-tokens-v2',
  text: `INSERT INTO webhook_signature_tokens (org_id, provider, token)
         SELECT $1::text, $2::text, token FROM unnest($3::text[]) AS c(token) ORDER BY token
         ON CONFLICT DO NOTHING
         RETURNING token`,
};

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/** Claims the organisation's event ids (distinct); returns those that were new. */
export async function claimEvents(db: EntityManager, orgId: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await runPrepared<{ event_id: string }>(db, CLAIM_EVENTS, [orgId, PROVIDER, sorted(eventIds)]);
  return new Set(rows.map((row) => row.event_id));
}

/** Claims tokens (distinct) for their key owner ('' for the platform key); returns those that were new. */
export async function claimTokens(db: EntityManager, owner: string, tokens: readonly string[]): Promise<Set<string>> {
  if (tokens.length === 0) return new Set();
  const rows = await runPrepared<{ token: string }>(db, CLAIM_TOKENS, [owner, PROVIDER, sorted(tokens)]);
  return new Set(rows.map((row) => row.token));
}

/** Gives back event claims (of replays refused after claiming). */
export async function releaseEvents(db: EntityManager, orgId: string, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db.query(`DELETE FROM processed_webhook_events WHERE org_id = $1 AND provider = $2 AND event_id = ANY($3::text[])`, [orgId, PROVIDER, eventIds]);
}

/**
 * Deletes expired tokens of one owner (index webhook_signature_tokens_received_idx).
 * SKIP LOCKED: another batch pruning the same rows is never waited for.
 */
export async function pruneTokens(db: EntityManager, owner: string): Promise<void> {
  await db.query(
    `DELETE FROM webhook_signature_tokens WHERE org_id = $1 AND provider = $2 AND ctid IN (
       SELECT ctid FROM webhook_signature_tokens
       WHERE org_id = $1 AND provider = $2 AND received_at < now() - $3::interval
       LIMIT $4 FOR UPDATE SKIP LOCKED)`,
    [owner, PROVIDER, TOKEN_MEMORY, PRUNE_LIMIT],
  );
}
