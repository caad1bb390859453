// Template and TemplateRow (contract section 5). Template's stats, links and
// recipients are resolved by TemplateResolver through the request's DataLoaders.
import { Field, ID, ObjectType } from 'type-graphql';
import type { StatsRange } from '../../stats/range';
import { EngagementStatsType } from './stats.type';

@ObjectType('Template', { description: 'A template; the row with id "ad-hoc" gathers sends made without one' })
export class TemplateType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'null for ad-hoc' })
  name!: string | null;

  /** Not in the schema: the range nested fields use when given none (the list's or parent's, or the default). */
  range!: StatsRange;
}

@ObjectType('TemplateRow', { description: "A campaign's sends made with one template" })
export class TemplateRowType {
  @Field(() => TemplateType)
  template!: TemplateType;

  @Field(() => EngagementStatsType, { description: "sub-totals of the campaign's sends with this template" })
  stats!: EngagementStatsType;
}
