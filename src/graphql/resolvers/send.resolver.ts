// Query.send and Send.events: one send as its sender (or the organisation's
// admins) may see it, with its raw events through a DataLoader.
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { SendRow } from '../../db/entities';
import { viewerOf, type Context } from '../context';
import { BotReason, EventKind, EventSource, SendStatus, SendType, TrackingEventType } from '../types/send.type';

export function toSendType(row: SendRow): SendType {
  return {
    id: row.id,
    sentAt: row.sentAt,
    senderId: row.senderId,
    contactId: row.contactId,
    email: row.recipientEmail,
    campaignId: row.campaignId,
    templateId: row.templateId,
    enrollmentId: row.enrollmentId,
    stepIndex: row.stepIndex,
    tracked: row.tracked,
    status: row.status as SendStatus,
    opens: row.opens,
    clicks: row.clicks,
    mppOpens: row.mppOpens,
    firstOpenedAt: row.firstOpenedAt,
  };
}

@Resolver(() => SendType)
export class SendResolver {
  @Query(() => SendType, { nullable: true, description: 'null when the send does not exist or is not visible to the caller' })
  async send(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<SendType | null> {
    viewerOf(context);
    const row = await context.loaders.sendById.load(id);
    return row ? toSendType(row) : null;
  }

  @FieldResolver(() => [TrackingEventType], { description: 'raw events still retained, oldest first' })
  async events(@Root() send: SendType, @Ctx() context: Context): Promise<TrackingEventType[]> {
    const rows = await context.loaders.eventsBySend.load(send.id);
    return rows.map((row) => ({
      kind: row.kind as EventKind,
      source: row.source as EventSource,
      occurredAt: row.occurred_at,
      counted: row.counted,
      bot: row.bot,
      botReason: row.bot_reason === null ? null : BotReason[row.bot_reason],
      mpp: row.mpp,
      url: row.url,
      userAgent: row.user_agent,
    }));
  }
}
