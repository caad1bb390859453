// Query.overview, Query.timeline and Query.breakdown: the four cards,
// activity over time and the breakdowns, over every visible send in range.
import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import { viewerOf, type Context } from '../context';
import { DEFAULT_BREAKDOWN_ROWS } from '../../stats/breakdowns';
import { BreakdownArgsType, BreakdownRowType } from '../types/breakdown.type';
import { RangeInput } from '../types/range.input';
import { EngagementStatsType } from '../types/stats.type';
import { timelineArgs, TimelineArgsType, TimelinePointType } from '../types/timeline.type';

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

  @Query(() => [BreakdownRowType], { description: 'The visible tracked sends in range by provider or domain, or their counted events by client or device; largest first' })
  breakdown(@Args() args: BreakdownArgsType, @Ctx() context: Context): Promise<BreakdownRowType[]> {
    viewerOf(context);
    const stats = context.loaders.stats;
    return stats.breakdown('all', stats.range(args.range), args.by, args.limit ?? DEFAULT_BREAKDOWN_ROWS, '');
  }
}
