// Query.campaigns, Query.campaign and Campaign's nested figures. A nested
// field without its own range uses the campaign's: the list's range, or
// LAST_30_DAYS under campaign(id).
import { Arg, Args, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { RecipientFilter } from '../../stats/drill-down.repository';
import { DEFAULT_RECIPIENTS } from '../../stats/stats.service';
import { viewerOf, type Context } from '../context';
import { CampaignType } from '../types/campaign.type';
import { LinkStatType } from '../types/link-stat.type';
import { RangeInput } from '../types/range.input';
import { RecipientFilterEnum, RecipientType } from '../types/recipient.type';
import { EngagementStatsType } from '../types/stats.type';
import { timelineArgs, TimelineArgsType } from '../types/timeline.args';
import { TimelinePointType } from '../types/timeline.type';
import { TemplateRowType } from '../types/template.type';

@Resolver(() => CampaignType)
export class CampaignResolver {
  @Query(() => [CampaignType], { description: 'Campaigns with at least one visible send in range, newest last send first' })
  async campaigns(@Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null, @Ctx() context: Context): Promise<CampaignType[]> {
    viewerOf(context);
    const stats = context.loaders.stats;
    const range = stats.range(input);
    return (await stats.campaigns(range)).map((head) => ({ ...head, range }));
  }

  @Query(() => CampaignType, { nullable: true, description: 'null when none of its sends is visible to the caller' })
  async campaign(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<CampaignType | null> {
    viewerOf(context);
    const stats = context.loaders.stats;
    const head = await stats.campaign(id);
    return head && { ...head, range: stats.range(null) };
  }

  @FieldResolver(() => EngagementStatsType)
  stats(
    @Root() campaign: CampaignType,
    @Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null,
    @Ctx() context: Context,
  ): Promise<EngagementStatsType> {
    const stats = context.loaders.stats;
    return stats.campaignStats(stats.range(input, campaign.range), campaign.id);
  }

  @FieldResolver(() => [TimelinePointType], { description: 'counted and machine events of its tracked sends in range, per local hour or day of event time' })
  timeline(@Root() campaign: CampaignType, @Args() args: TimelineArgsType, @Ctx() context: Context): Promise<TimelinePointType[]> {
    const stats = context.loaders.stats;
    return stats.timeline('campaign', stats.range(args.range, campaign.range), timelineArgs(args), campaign.id);
  }

  @FieldResolver(() => [LinkStatType], { description: 'per original URL, most clicked first' })
  links(
    @Root() campaign: CampaignType,
    @Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null,
    @Ctx() context: Context,
  ): Promise<LinkStatType[]> {
    const stats = context.loaders.stats;
    return stats.links('campaign', stats.range(input, campaign.range), campaign.id);
  }

  @FieldResolver(() => [TemplateRowType], { description: 'per-template sub-totals, newest last send first' })
  async templates(
    @Root() campaign: CampaignType,
    @Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null,
    @Ctx() context: Context,
  ): Promise<TemplateRowType[]> {
    const stats = context.loaders.stats;
    const range = stats.range(input, campaign.range);
    const rows = await stats.campaignTemplates(range, campaign.id);
    return rows.map((row) => ({ template: { ...row.template, range }, stats: row.stats }));
  }

  @FieldResolver(() => [RecipientType], { description: 'tracked sends in range, newest first, a page of `limit` (1 to 1,000) after the row `after`' })
  recipients(
    @Root() campaign: CampaignType,
    @Arg('range', () => RangeInput, { nullable: true }) input: RangeInput | null,
    @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_RECIPIENTS }) limit: number | null,
    @Arg('after', () => String, { nullable: true, description: "a row's cursor" }) after: string | null,
    @Arg('filter', () => RecipientFilterEnum, { nullable: true, defaultValue: 'ALL' }) filter: RecipientFilter | null,
    @Ctx() context: Context,
  ): Promise<RecipientType[]> {
    const stats = context.loaders.stats;
    const page = { limit: limit ?? DEFAULT_RECIPIENTS, after: after ?? null, filter: filter ?? 'ALL' };
    return stats.recipients('campaign', stats.range(input, campaign.range), page, campaign.id);
  }
}
