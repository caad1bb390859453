// Query.overview: the four cards over every visible send in range.
import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { viewerOf, type Context } from '../context';
import { RangeInput } from '../types/range.input';
import { EngagementStatsType } from '../types/stats.type';

@Resolver()
export class OverviewResolver {
  @Query(() => EngagementStatsType, { description: 'The four cards over the visible sends in range (default LAST_30_DAYS)' })
  overview(@Arg('range', () => RangeInput, { nullable: true }) range: RangeInput | null, @Ctx() context: Context): Promise<EngagementStatsType> {
    viewerOf(context);
    const stats = context.loaders.stats;
    return stats.overview(stats.range(range));
  }
}
