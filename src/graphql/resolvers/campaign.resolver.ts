// Query.campaigns, Query.campaign and Campaign's nested figures (those it
// shares with Template come from GroupFiguresResolver). A nested
// field without its own range uses the campaign's: the list's range, or
// LAST_30_DAYS under campaign(id).
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { viewerOf, type Context } from '../context';
import { CampaignType } from '../types/campaign.type';
import { RangeInput } from '../types/range.input';
import { TemplateRowType } from '../types/template.type';
import { GroupFiguresResolver } from './group-figures.resolver';

@Resolver(() => CampaignType)
export class CampaignResolver extends GroupFiguresResolver('campaign', () => CampaignType) {
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
}
