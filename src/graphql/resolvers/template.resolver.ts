// Query.templates, Query.template and Template's nested figures (from
// GroupFiguresResolver, shared with Campaign). Ad-hoc sends
// (no template) form the template "ad-hoc". A nested field without its own
// range uses the template's: the list's or parent's range, or LAST_30_DAYS
// under template(id).
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { viewerOf, type Context } from '../context';
import { RangeInput } from '../types/range.input';
import { TemplateType } from '../types/template.type';
import { GroupFiguresResolver } from './group-figures.resolver';

@Resolver(() => TemplateType)
export class TemplateResolver extends GroupFiguresResolver('template', () => TemplateType) {
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

}
