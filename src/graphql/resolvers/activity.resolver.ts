// Query.activity and Subscription.activity (contract section 12): the latest
// events of what the caller may see, and the same as they happen. The
// subscription is served over /graphql/stream (http/graphql-stream.ts); the
// hub in app.live holds the streams.
import { Args, Ctx, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { senderScope } from '../../auth/viewer';
import { badInput } from '../../errors';
import type { ActivityEvent } from '../../live/activity-event';
import { latestActivity } from '../../live/activity-reads';
import { viewerOf, type Context } from '../context';
import { ActivityArgs, ActivityEventType, ActivityQueryArgs } from '../types/activity-event.type';
import type { BotReason, EventSource } from '../types/send.type';

const MAX_LIMIT = 500;

/** The stored strings are the GraphQL enums' values. */
function toActivityEventType(event: ActivityEvent): ActivityEventType {
  return { ...event, source: event.source as EventSource, botReason: event.botReason as BotReason | null };
}

function request(args: ActivityArgs) {
  return { campaignId: args.campaignId ?? null, templateId: args.templateId ?? null, humanOnly: args.humanOnly ?? false };
}

function openStream({ args, context }: SubscribeResolverData<unknown, ActivityArgs, Context>): Promise<AsyncIterable<ActivityEvent>> {
  return context.app.live.subscribe(viewerOf(context), request(args));
}

@Resolver(() => ActivityEventType)
export class ActivityResolver {
  @Query(() => [ActivityEventType], { name: 'activity', description: 'The latest retained events the caller may see, newest first' })
  async latestActivity(@Args() args: ActivityQueryArgs, @Ctx() context: Context): Promise<ActivityEventType[]> {
    const viewer = viewerOf(context);
    if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > MAX_LIMIT) throw badInput(`limit must be between 1 and ${MAX_LIMIT}`);
    const filter = { orgId: viewer.orgId, senderId: senderScope(viewer), ...request(args) };
    return (await latestActivity(context.app.readDb, filter, args.limit)).map(toActivityEventType);
  }

  @Subscription(() => ActivityEventType, {
    name: 'activity',
    subscribe: openStream,
    description: 'Every event the caller may see, as it is recorded (within 2 s), on whichever instance; over /graphql/stream',
  })
  liveActivity(@Root() event: ActivityEvent, @Args() _args: ActivityArgs): ActivityEventType {
    return toActivityEventType(event);
  }
}
