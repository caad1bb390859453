// The live_streams table: which streams are open, on every instance. The
// writer reads it to know whether an organisation is watched; opening a
// stream counts the user's open streams there, so the per-user limit holds
// across instances. Rows are kept alive by their instance's heartbeat and
// expire when it stops (a crash, a kill): a dead instance's streams stop
// counting within STREAM_TTL_S.
import type { DataSource, EntityManager } from 'typeorm';

export const STREAM_TTL_S = 60;
/** live_batches rows are read within milliseconds of their NOTIFY; older ones only wait for this clean-up. */
const BATCH_TTL_S = 60;

export interface StreamRecord {
  orgId: string;
  streamId: string;
  userId: string;
  instanceId: string;
}

/**
 * Records a new stream unless its user already holds `limit` live ones.
 * Under a per-user advisory lock, so two opens at once on two instances
 * cannot both take the last place.
 */
export async function recordStream(db: DataSource, stream: StreamRecord, limit: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`live-streams\n${stream.orgId}\n${stream.userId}`]);
    await tx.query(`DELETE FROM live_streams WHERE org_id = $1 AND expires_at <= now()`, [stream.orgId]);
    const [{ open }] = (await tx.query(`SELECT count(*)::int AS open FROM live_streams WHERE org_id = $1 AND user_id = $2`, [
      stream.orgId,
      stream.userId,
    ])) as { open: number }[];
    if (open >= limit) return false;
    await tx.query(
      `INSERT INTO live_streams (org_id, id, user_id, instance_id, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [stream.orgId, stream.streamId, stream.userId, stream.instanceId, STREAM_TTL_S],
    );
    return true;
  });
}

export async function forgetStream(db: DataSource, orgId: string, streamId: string): Promise<void> {
  await db.query(`DELETE FROM live_streams WHERE org_id = $1 AND id = $2`, [orgId, streamId]);
}

/** The heartbeat of one organisation's streams on this instance. */
export async function refreshStreams(db: DataSource, orgId: string, streamIds: readonly string[]): Promise<void> {
  await db.query(`UPDATE live_streams SET expires_at = now() + make_interval(secs => $3) WHERE org_id = $1 AND id = ANY($2::uuid[])`, [
    orgId,
    streamIds,
    STREAM_TTL_S,
  ]);
}

/** Batches of the organisation every listener has read by now (live_batches_written_idx). */
export async function pruneBatches(db: DataSource, orgId: string): Promise<void> {
  await db.query(`DELETE FROM live_batches WHERE org_id = $1 AND written_at < now() - make_interval(secs => $2)`, [orgId, BATCH_TTL_S]);
}

/**
 * What no heartbeat will clear any more: the rows of instances that died,
 * for organisations nobody has streamed since. Run by the hourly retention
 * (one instance at a time); it scans across organisations, rarely.
 */
export async function pruneLeftovers(db: EntityManager): Promise<void> {
  await db.query(`DELETE FROM live_streams WHERE expires_at < now() - interval '1 hour'`);
  await db.query(`DELETE FROM live_batches WHERE written_at < now() - interval '1 hour'`);
}
