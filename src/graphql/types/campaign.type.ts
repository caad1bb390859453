// Campaign (contract section 5). stats, links, templates and recipients are
// resolved by CampaignResolver through the request's DataLoaders.
import { Field, ID, ObjectType } from 'type-graphql';
import type { StatsRange } from '../../stats/range';

@ObjectType('Campaign')
export class CampaignType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  /** Not in the schema: the range nested fields use when given none (the list's, or the default). */
  range!: StatsRange;
}
