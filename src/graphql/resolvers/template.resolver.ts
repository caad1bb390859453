// Query.templates, Query.template and Template's nested figures. Ad-hoc sends
// (no template) form the template "ad-hoc". A nested field without its own
// range uses the template's: the list's or parent's range, or LAST_30_DAYS
// under template(id).
import { Arg, Args, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { RecipientFilter } from '../../stats/drill-down.repository';
import { DEFAULT_RECIPIENTS } from '../../stats/stats.service';
import { viewerOf, type Context } from '../context';
import { LinkStatType } from '../types/link-stat.type';
import { RangeInput } from '../types/range.input';
import { RecipientFilterEnum, RecipientType } from '../types/recipient.type';
import { EngagementStatsType } from '../types/stats.type';
import { timelineArgs, TimelineArgsType } from '../types/timeline.args';
import { TimelinePointType } from '../types/timeline.type';
import { TemplateType } from '../types/template.type';

@Resolver(() => TemplateType)
export class TemplateResolver {
  @Query(() => [TemplateType], { description: 'Templates (and "ad-hoc") with at least one visible send in range, newest last send first' })
  async templates(@Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null, @Ctx() context: Context): Promise<TemplateType[]> {
    viewerOf(context);
    const stats = context.loaders.stats;
    const range = stats.range(input);
    return (await stats.templates(range)).map((head) => ({ ...head, range }));
  }

  @Query(() => TemplateType, { nullable: true, description: 'null when none of its sends is visible to the caller; "ad-hoc" for sends without a template' })
  async template(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<TemplateType | null> {
    viewerOf(context);
    const stats = context.loaders.stats;
    const head = await stats.template(id);
    return head && { ...head, range: stats.range(null) };
  }

  @FieldResolver(() => EngagementStatsType)
  stats(
    @Root() template: TemplateType,
    @Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null,
    @Ctx() context: Context,
  ): Promise<EngagementStatsType> {
    const stats = context.loaders.stats;
    return stats.templateStats(stats.range(input, template.range), template.id);
  }

  @FieldResolver(() => [TimelinePointType], { description: 'counted and machine events of its tracked sends in range, per local hour or day of event time' })
  timeline(@Root() template: TemplateType, @Args() args: TimelineArgsType, @Ctx() context: Context): Promise<TimelinePointType[]> {
    const stats = context.loaders.stats;
    return stats.timeline('template', stats.range(args.range, template.range), timelineArgs(args), template.id);
  }

  @FieldResolver(() => [LinkStatType], { description: 'per original URL, most clicked first' })
  links(
    @Root() template: TemplateType,
    @Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null,
    @Ctx() context: Context,
  ): Promise<LinkStatType[]> {
    const stats = context.loaders.stats;
    return stats.links('template', stats.range(input, template.range), template.id);
  }

  @FieldResolver(() => [RecipientType], { description: 'tracked sends in range, newest first, a page of `limit` (1 to 1,000) after the row `after`' })
  recipients(
    @Root() template: TemplateType,
    @Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null,
    @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_RECIPIENTS }) limit: number | null,
    @Arg('after', () => String, { nullable: true, description: "a row's cursor" }) after: string | null,
    @Arg('filter', () => RecipientFilterEnum, { nullable: true, defaultValue: 'ALL' }) filter: RecipientFilter | null,
    @Ctx() context: Context,
  ): Promise<RecipientType[]> {
    const stats = context.loaders.stats;
    const page = { limit: limit ?? DEFAULT_RECIPIENTS, after: after ?? null, filter: filter ?? 'ALL' };
    return stats.recipients('template', stats.range(input, template.range), page, template.id);
  }
}
