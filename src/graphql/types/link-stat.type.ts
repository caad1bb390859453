// LinkStat (contract section 5): one link across the sends in range, by its
// data-track-name, or by its original URL when it has none.
import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('LinkStat')
export class LinkStatType {
  @Field({ description: 'the original href; for a named link, the first URL seen under the name' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'the data-track-name its links are grouped under; null when grouped by URL' })
  name!: string | null;

  @Field(() => Int, { description: 'counted clicks' })
  clicks!: number;

  @Field(() => Int, { description: 'sends in which it was clicked' })
  uniqueClicks!: number;
}
