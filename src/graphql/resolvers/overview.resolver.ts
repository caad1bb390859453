// Query.overview and Query.timeline: the four cards, and activity over time,
// over every visible send in range.
import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import { viewerOf, type Context } from '../context';
import { RangeInput } from '../types/range.input';
import { EngagementStatsType } from '../types/stats.type';
import { timelineArgs, TimelineArgsType } from '../types/timeline.args';
import { TimelinePointType } from '../types/timeline.type';

@Resolver()
export class OverviewResolver {
  @Query(() => EngagementStatsType, { description: 'The four cards over the visible sends in range (default LAST_30_DAYS)' })
  overview(@Arg('range', () => RangeInput, { nullable: true }) range: RangeInput | null, @Ctx() context: Context): Promise<EngagementStatsType> {
    viewerOf(context);
    const stats = context.loaders.stats;
    return stats.overview(stats.range(range));
  }

  @Query(() => [TimelinePointType], { description: 'Counted and machine events of the visible tracked sends in range, per local hour or day of event time' })
  timeline(@Args() args: TimelineArgsType, @Ctx() context: Context): Promise<TimelinePointType[]> {
    viewerOf(context);
    const stats = context.loaders.stats;
    return stats.timeline('all', stats.range(args.range), timelineArgs(args), '');
  }
}
