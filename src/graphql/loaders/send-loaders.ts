// Sends by id and their raw events, scoped to the viewer: the organisation
// always, and the sender for partner, sales_rep and member.
import DataLoader from 'dataloader';
import type { App } from '../../app';
import { senderScope, type Viewer } from '../../auth/viewer';
import { SendRow } from '../../db/entities';

export interface TrackingEventRow {
  send_id: string;
  kind: 'OPEN' | 'CLICK';
  source: 'PIXEL' | 'REDIRECT' | 'WEBHOOK';
  occurred_at: Date;
  counted: boolean;
  bot: boolean;
  bot_reason: 'USER_AGENT' | 'NETWORK' | 'BURST' | 'TRAP' | 'MAILGUN' | null;
  mpp: boolean;
  url: string | null;
  user_agent: string | null;
}

export interface SendLoaders {
  /** null when the send does not exist or the viewer may not see it */
  sendById: DataLoader<string, SendRow | null>;
  /** raw events still retained, oldest first */
  eventsBySend: DataLoader<string, TrackingEventRow[]>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createSendLoaders(app: App, viewer: Viewer | null): SendLoaders {
  const orgId = viewer?.orgId ?? '';
  const sender = viewer ? senderScope(viewer) : '';

  const sendById = new DataLoader<string, SendRow | null>(async (ids) => {
    const valid = ids.filter((id) => UUID.test(id));
    if (!viewer || valid.length === 0) return ids.map(() => null);
    const query = app.db
      .getRepository(SendRow)
      .createQueryBuilder('send')
      .where('send.orgId = :orgId AND send.id IN (:...ids)', { orgId, ids: valid });
    if (sender !== null) query.andWhere('send.senderId = :sender', { sender });
    const rows = await query.getMany();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  });

  // Only called for sends the viewer already reached through sendById.
  const eventsBySend = new DataLoader<string, TrackingEventRow[]>(async (sendIds) => {
    const rows: TrackingEventRow[] = await app.db.query(
      `SELECT send_id, kind, source, occurred_at, counted, bot, bot_reason, mpp, url, user_agent
       FROM tracking_events
       WHERE org_id = $1 AND send_id = ANY($2::uuid[])
       ORDER BY send_id, occurred_at, id`,
      [orgId, [...sendIds]],
    );
    const bySend = new Map<string, TrackingEventRow[]>();
    for (const row of rows) {
      const list = bySend.get(row.send_id);
      if (list) list.push(row);
      else bySend.set(row.send_id, [row]);
    }
    return sendIds.map((id) => bySend.get(id) ?? []);
  });

  return { sendById, eventsBySend };
}
