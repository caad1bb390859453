// The nested figures a Campaign and a Template both have: stats, timeline,
// links and recipients, each in the field's own range or the parent's. One
// class per kind inherits them (type-graphql resolver inheritance), so the
// two schema types keep their own names and descriptions stay in one place.
import { Arg, Args, type ClassType, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { DrillDownKind, RecipientFilter } from '../../stats/drill-down.repository';
import type { StatsRange } from '../../stats/range';
import { DEFAULT_BREAKDOWN_ROWS } from '../../stats/breakdowns';
import { DEFAULT_RECIPIENTS } from '../../stats/stats.service';
import type { Context } from '../context';
import { BreakdownArgsType, BreakdownRowType } from '../types/breakdown.type';
import { LinkStatType } from '../types/link-stat.type';
import { RangeInput } from '../types/range.input';
import { RecipientFilterEnum, RecipientType } from '../types/recipient.type';
import { EngagementStatsType } from '../types/stats.type';
import { timelineArgs, TimelineArgsType, TimelinePointType } from '../types/timeline.type';

/** A campaign or a template as its resolvers return it: the range is what nested fields default to. */
interface Group {
  id: string;
  range: StatsRange;
}

export function GroupFiguresResolver(kind: DrillDownKind, objectType: () => ClassType) {
  @Resolver(objectType)
  abstract class GroupFigures {
    @FieldResolver(() => EngagementStatsType)
    stats(
      @Root() group: Group,
      @Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null,
      @Ctx() context: Context,
    ): Promise<EngagementStatsType> {
      const stats = context.loaders.stats;
      return stats.groupStats(kind, stats.range(input, group.range), group.id);
    }

    @FieldResolver(() => [TimelinePointType], { description: 'counted and machine events of its tracked sends in range, per local hour or day of event time' })
    timeline(@Root() group: Group, @Args() args: TimelineArgsType, @Ctx() context: Context): Promise<TimelinePointType[]> {
      const stats = context.loaders.stats;
      return stats.timeline(kind, stats.range(args.range, group.range), timelineArgs(args), group.id);
    }

    @FieldResolver(() => [LinkStatType], { description: 'per data-track-name, or per original URL for unnamed links, most clicked first' })
    links(
      @Root() group: Group,
      @Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null,
      @Ctx() context: Context,
    ): Promise<LinkStatType[]> {
      const stats = context.loaders.stats;
      return stats.links(kind, stats.range(input, group.range), group.id);
    }

    @FieldResolver(() => [BreakdownRowType], { description: 'its tracked sends in range by provider or domain, or its counted events by client or device; largest first' })
    breakdown(@Root() group: Group, @Args() args: BreakdownArgsType, @Ctx() context: Context): Promise<BreakdownRowType[]> {
      const stats = context.loaders.stats;
      return stats.breakdown(kind, stats.range(args.range, group.range), args.by, args.limit ?? DEFAULT_BREAKDOWN_ROWS, group.id);
    }

    @FieldResolver(() => [RecipientType], { description: 'tracked sends in range, newest first, a page of `limit` (1 to 1,000) after the row `after`' })
    recipients(
      @Root() group: Group,
      @Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null,
      @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_RECIPIENTS }) limit: number | null,
      @Arg('after', () => String, { nullable: true, description: "a row's cursor" }) after: string | null,
      @Arg('filter', () => RecipientFilterEnum, { nullable: true, defaultValue: 'ALL' }) filter: RecipientFilter | null,
      @Arg('link', () => String, { nullable: true, description: "a LinkStat's name, or its url when it has no name: who clicked that link" }) link: string | null,
      @Ctx() context: Context,
    ): Promise<RecipientType[]> {
      const stats = context.loaders.stats;
      const page = { limit: limit ?? DEFAULT_RECIPIENTS, after: after ?? null, filter: filter ?? 'ALL', link: link ?? null };
      return stats.recipients(kind, stats.range(input, group.range), page, group.id);
    }
  }
  return GroupFigures;
}
