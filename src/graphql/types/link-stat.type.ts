// LinkStat (contract section 5): one original URL across the sends in range.
import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('LinkStat')
export class LinkStatType {
  @Field({ description: 'the original href' })
  url!: string;

  @Field(() => Int, { description: 'counted clicks' })
  clicks!: number;

  @Field(() => Int, { description: 'sends in which it was clicked' })
  uniqueClicks!: number;
}
